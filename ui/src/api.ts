// The one place the UI talks to the Rust shell. Each function wraps one Tauri command in
// src-tauri/src/commands.rs. The types are generated from the `likeness-api` crate (the one
// wire format the CLI and the desktop share) into ./generated/api.ts: never write them here.
import { Channel, invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ApiError,
  AppInfo,
  ClusterDto,
  DoctorDto,
  EditDto,
  FailureDto,
  GpuDto,
  GpuInstallEvent,
  IndexEvent,
  LibraryDto,
  MergeSuggestionDto,
  PersonDetailDto,
  PersonDto,
  PersonEditDto,
  PhotoDetailDto,
  PhotoHitDto,
  RootDto,
  SettingsDto,
  SettingsInput,
  TimelineDayDto,
  TimelineFrom,
  UnsortedDto,
  WatchEvent,
} from "./generated/api";

export type * from "./generated/api";

/** True when the page runs inside the Tauri window (false in a plain browser tab). */
export function inDesktopShell(): boolean {
  return isTauri();
}

/** Turns whatever a command rejected with into an ApiError. */
export function asApiError(err: unknown): ApiError {
  if (err && typeof err === "object" && "code" in err && "message" in err) {
    const e = err as { code: unknown; message: unknown };
    return { code: String(e.code), message: String(e.message) };
  }
  return { code: "internal", message: err instanceof Error ? err.message : String(err) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw asApiError(err);
  }
}

/**
 * URL of a thumbnail served by the shell's `thumb:` protocol (by id only, never by path).
 * Same scheme layout as `convertFileSrc`, without percent-encoding the slash.
 */
export function thumbUrl(kind: "face" | "photo" | "full", id: number, userAgent = navigator.userAgent): string {
  const path = `${kind}/${Math.trunc(id)}`;
  return /Windows|Android/.test(userAgent) ? `http://thumb.localhost/${path}` : `thumb://localhost/${path}`;
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  /** Can faces be found here (runtime, models, execution provider)? `likeness doctor`. */
  setupCheck: () => call<DoctorDto>("setup_check"),
  libraryInfo: () => call<LibraryDto>("library_info"),
  pickFolder: () => call<string | null>("pick_folder"),
  libraryAdd: (path: string) => call<RootDto>("library_add", { path }),
  libraryRemove: (path: string) => call<void>("library_remove", { path }),
  libraryFailures: (limit: number) => call<FailureDto[]>("library_failures", { limit }),
  indexStart: (onEvent: (e: IndexEvent) => void) => {
    const channel = new Channel<IndexEvent>();
    channel.onmessage = onEvent;
    return call<void>("index_start", { onEvent: channel });
  },
  watchStart: (onEvent: (e: WatchEvent) => void) => {
    const channel = new Channel<WatchEvent>();
    channel.onmessage = onEvent;
    return call<void>("watch_start", { onEvent: channel });
  },
  indexPause: () => call<void>("index_pause"),
  indexResume: () => call<void>("index_resume"),
  indexCancel: () => call<void>("index_cancel"),
  peopleOverview: (includeHidden: boolean) => call<PersonDto[]>("people_overview", { includeHidden }),
  personDetail: (person: number, limit: number) => call<PersonDetailDto>("person_detail", { person, limit }),
  personName: (person: number, name: string) => call<PersonEditDto>("person_name", { person, name }),
  peopleMerge: (from: number[], into: number) => call<EditDto>("people_merge", { from, into }),
  facesMove: (faces: number[], to: number | null, newName: string | null) =>
    call<PersonEditDto>("faces_move", { faces, to, newName }),
  facesReject: (person: number, faces: number[]) => call<EditDto>("faces_reject", { person, faces }),
  facesNotAFace: (faces: number[], mark: boolean) => call<EditDto>("faces_not_a_face", { faces, mark }),
  peopleHide: (people: number[], hidden: boolean) => call<EditDto>("people_hide", { people, hidden }),
  personCover: (person: number, face: number) => call<EditDto>("person_cover", { person, face }),
  suggestionsAccept: (faces: number[]) => call<EditDto>("suggestions_accept", { faces }),
  suggestionsReject: (faces: number[]) => call<EditDto>("suggestions_reject", { faces }),
  /** "Are these the same person?" pairs, most confident first; "yes" is `peopleMerge([from], into)`. */
  peopleMergeSuggestions: (limit: number) => call<MergeSuggestionDto[]>("people_merge_suggestions", { limit }),
  /** "Not the same person" for each `[from, into]` pair: one edit, never asked again. */
  peopleNotSame: (pairs: [number, number][]) => call<EditDto>("people_not_same", { pairs }),
  /** A page of the faces in no person (`limit` 0: only the total). */
  peopleUnsorted: (limit: number, offset: number) => call<UnsortedDto>("people_unsorted", { limit, offset }),
  photosSearch: (people: number[], from: string | null, to: string | null, limit: number) =>
    call<PhotoHitDto[]>("photos_search", { people, from, to, limit }),
  timelineDays: () => call<TimelineDayDto[]>("timeline_days"),
  timelinePage: (from: TimelineFrom, skip: number, limit: number) =>
    call<PhotoHitDto[]>("timeline_page", { from, skip, limit }),
  photoDetail: (photo: number) => call<PhotoDetailDto>("photo_detail", { photo }),
  settingsGet: () => call<SettingsDto>("settings_get"),
  settingsSet: (settings: SettingsInput) => call<SettingsDto>("settings_set", { settings }),
  libraryLocationSet: (folder: string | null) => call<SettingsDto>("library_location_set", { folder }),
  peopleRecluster: () => call<ClusterDto>("people_recluster"),
  undo: () => call<EditDto>("edit_undo"),
  redo: () => call<EditDto>("edit_redo"),
  /** Where the face models run now, the GPU pack, and why the CPU runs them when it does. */
  gpuStatus: () => call<GpuDto>("gpu_status"),
  /** Starts installing the GPU pack; its messages arrive through `onGpuInstall`. */
  gpuInstall: () => call<void>("gpu_install"),
  gpuInstallCancel: () => call<void>("gpu_install_cancel"),
  /** The last message of this app run's install (null: none since the start). */
  gpuInstallLast: () => call<GpuInstallEvent | null>("gpu_install_last"),
  /** Removes the GPU pack; true when one was there. */
  gpuRemove: () => call<boolean>("gpu_remove"),
  /** Closes the app and starts it again (a new GPU pack is loaded at start). */
  restartApp: () => call<void>("restart_app"),
  /** Follows the GPU pack install (the `gpu-install` event); resolves to the unlisten function. */
  onGpuInstall: (handler: (e: GpuInstallEvent) => void): Promise<UnlistenFn> =>
    listen<GpuInstallEvent>("gpu-install", (e) => handler(e.payload)),
};
