// Live mode: after indexing, the app follows the folders; new photos are indexed and their
// faces join people without a restart. The sidebar shows that it is watching.
import { api, type ApiError, type WatchEvent } from "./api";
import { byTestId } from "./dom";
import { refreshScreen } from "./edits";
import { plural } from "./format";
import { showToast } from "./toast";

let watching = false;
let stopped: (() => void) | null = null;

function status(text: string, state: "on" | "off" | "error"): void {
  const el = byTestId<HTMLElement>("watch-status");
  el.textContent = text;
  el.dataset.state = state;
  el.hidden = state === "off";
}

function onEvent(e: WatchEvent): void {
  switch (e.event) {
    case "watching":
      status("Watching your folders", "on");
      break;
    case "indexed":
      showToast(`${plural(e.data.photos, "new photo")} indexed, ${plural(e.data.faces, "face")}`);
      refreshScreen();
      break;
    case "clustered":
      refreshScreen();
      break;
    case "stopped":
      watching = false;
      if (e.data) status(`Not watching: ${e.data.message}`, "error");
      else status("", "off");
      stopped?.();
      stopped = null;
      break;
  }
}

export async function startWatching(): Promise<void> {
  if (watching) return;
  watching = true;
  try {
    await api.watchStart(onEvent);
  } catch (err) {
    watching = false;
    const e = err as ApiError;
    if (e.code !== "indexing_running") status(`Not watching: ${e.message}`, "error");
  }
}

/** Whether live mode runs now. */
export function isWatching(): boolean {
  return watching;
}

/** Stops watching (before an explicit indexing run); resolves once it has stopped. */
export async function stopWatching(): Promise<void> {
  if (!watching) return;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  try {
    await api.indexCancel();
  } catch {
    return;
  }
  await done;
}
