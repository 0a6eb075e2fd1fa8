// The one place the UI talks to the Rust shell. Each function mirrors one Tauri command in
// src-tauri/src/commands.rs and its DTO in src-tauri/src/dto.rs.
import { Channel, invoke, isTauri } from "@tauri-apps/api/core";

/** Mirrors `likeness_desktop::commands::AppInfo`. */
export interface AppInfo {
  name: string;
  version: string;
}

/** Every command failure (`ErrorDto`): branch on `code`, show `message`. */
export interface ApiError {
  code: string;
  message: string;
}

export interface RootDto {
  path: string;
  addedAt: number;
  lastScanAt: number | null;
}

export interface LibraryDto {
  roots: RootDto[];
  photos: number;
  faces: number;
  people: number;
  pending: number;
  failed: number;
  indexing: boolean;
}

export interface FailureDto {
  path: string;
  code: string;
  message: string;
}

export interface ProgressDto {
  phase: "scanning" | "indexing" | "watching" | "done";
  filesFound: number;
  done: number;
  total: number;
  faces: number;
  reused: number;
  errors: number;
  rate: number;
  etaSeconds: number | null;
  paused: boolean;
  provider: string | null;
}

export interface IndexDoneDto {
  filesFound: number;
  photos: number;
  faces: number;
  errors: number;
  cancelled: boolean;
  seconds: number;
  clusters: number;
  provider: string;
}

export type IndexEvent =
  | { event: "loading" }
  | { event: "progress"; data: ProgressDto }
  | { event: "finished"; data: IndexDoneDto }
  | { event: "failed"; data: ApiError };

export type WatchEvent =
  | { event: "watching" }
  | { event: "indexed"; data: { photos: number; faces: number; errors: number } }
  | { event: "clustered"; data: { clusters: number } }
  | { event: "stopped"; data: ApiError | null };

export interface PersonDto {
  id: number;
  name: string | null;
  hidden: boolean;
  faces: number;
  photos: number;
  suggested: number;
  coverFace: number | null;
}

export interface FaceDto {
  id: number;
  photo: number;
  provenance: "confirmed" | "automatic" | "suggested" | null;
  score: number;
}

export interface SuggestionDto {
  face: number;
  photo: number;
  person: number;
  name: string;
  confidence: number | null;
}

export interface PersonDetailDto {
  person: PersonDto;
  faces: FaceDto[];
  suggestions: SuggestionDto[];
}

export interface EditDto {
  id: number;
  kind: string;
  label: string;
  skippedFaces: number;
}

export interface PersonEditDto {
  edit: EditDto;
  person: number;
  merged: boolean;
  created: boolean;
}

export interface PhotoHitDto {
  id: number;
  path: string;
  takenAt: string | null;
  width: number;
  height: number;
}

/** Mirrors `likeness_desktop::photos::TimelineDayDto`: photos taken that day (null = no date). */
export interface TimelineDayDto {
  day: string | null;
  count: number;
}

/** Where a timeline page starts (`photos::TimelineFromDto`). */
export type TimelineFrom =
  | { kind: "start" }
  | { kind: "after"; takenAt: string | null; photo: number }
  | { kind: "day"; day: string | null };

/** A face box in the viewer (`photos::ViewFaceDto`); bbox in upright pixels of the photo. */
export interface ViewFaceDto {
  id: number;
  bbox: [number, number, number, number];
  person: number | null;
  name: string | null;
  provenance: "confirmed" | "automatic" | "suggested" | null;
  notFace: boolean;
}

/** Mirrors `photos::PhotoDetailDto`. */
export interface PhotoDetailDto {
  id: number;
  takenAt: string | null;
  width: number;
  height: number;
  format: string;
  camera: string | null;
  fileName: string | null;
  faces: ViewFaceDto[];
}

/** Mirrors `dto::SettingsDto` (the Settings screen). */
export interface SettingsDto {
  detection: "low" | "normal" | "high";
  clustering: "loose" | "balanced" | "strict";
  provider: "auto" | "cpu";
  xmpAutoExport: boolean;
  settingsFile: string;
  catalog: string;
  cache: string;
  locationSource: "environment" | "chosen" | "default";
  locationFile: string | null;
  nextLibrary: string | null;
  modelsDir: string | null;
  modelsError: string | null;
  models: { name: string; kind: string; file: string }[];
  activeProvider: string | null;
  warnings: string[];
}

/** What `settings_set` takes (`dto::SettingsInput`). */
export type SettingsInput = Pick<SettingsDto, "detection" | "clustering" | "provider" | "xmpAutoExport">;

/** Mirrors `dto::ReclusterDto`. */
export interface ReclusterDto {
  clusters: number;
  clustered: number;
  noise: number;
}

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
  personHide: (person: number, hidden: boolean) => call<EditDto>("person_hide", { person, hidden }),
  personCover: (person: number, face: number) => call<EditDto>("person_cover", { person, face }),
  suggestionsAccept: (faces: number[]) => call<EditDto>("suggestions_accept", { faces }),
  suggestionsReject: (faces: number[]) => call<EditDto[]>("suggestions_reject", { faces }),
  photosSearch: (people: number[], from: string | null, to: string | null, limit: number) =>
    call<PhotoHitDto[]>("photos_search", { people, from, to, limit }),
  timelineDays: () => call<TimelineDayDto[]>("timeline_days"),
  timelinePage: (from: TimelineFrom, skip: number, limit: number) =>
    call<PhotoHitDto[]>("timeline_page", { from, skip, limit }),
  photoDetail: (photo: number) => call<PhotoDetailDto>("photo_detail", { photo }),
  settingsGet: () => call<SettingsDto>("settings_get"),
  settingsSet: (settings: SettingsInput) => call<SettingsDto>("settings_set", { settings }),
  libraryLocationSet: (folder: string | null) => call<SettingsDto>("library_location_set", { folder }),
  peopleRecluster: () => call<ReclusterDto>("people_recluster"),
  undo: () => call<EditDto>("edit_undo"),
  redo: () => call<EditDto>("edit_redo"),
};
