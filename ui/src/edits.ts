// After every people edit: a toast with Undo, and the page redrawn. Ctrl+Z / Ctrl+Shift+Z.
import { api, type ApiError } from "./api";
import { shortcutOf } from "./people-logic";
import { showToast } from "./toast";

let redraw: () => void = () => {};

/** What to call after an edit, undo or redo (the current screen's refresh). */
export function setRedraw(f: () => void): void {
  redraw = f;
}

/** The library changed underneath (live mode): redraw the current screen. */
export function refreshScreen(): void {
  redraw();
}

/** An edit was made: say so, offer Undo, redraw. */
export function edited(label: string): void {
  showToast(label, { label: "Undo", run: () => void undo() });
  redraw();
}

export function reportError(e: ApiError): void {
  showToast(e.message, undefined, "error");
}

export async function undo(): Promise<void> {
  try {
    const e = await api.undo();
    showToast(`Undone: ${e.label}`, { label: "Redo", run: () => void redo() });
    redraw();
  } catch (err) {
    reportError(err as ApiError);
  }
}

export async function redo(): Promise<void> {
  try {
    const e = await api.redo();
    showToast(`Redone: ${e.label}`, { label: "Undo", run: () => void undo() });
    redraw();
  } catch (err) {
    reportError(err as ApiError);
  }
}

export function installShortcuts(): void {
  document.addEventListener("keydown", (e) => {
    const t = e.target as HTMLElement | null;
    const inTextField = !!t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && (t as HTMLInputElement).type !== "checkbox") || t.isContentEditable);
    const s = shortcutOf({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, shiftKey: e.shiftKey, altKey: e.altKey, inTextField });
    if (!s) return;
    e.preventDefault();
    void (s === "undo" ? undo() : redo());
  });
}
