// The app shell: sidebar navigation, the first-run flow (add a folder → indexing starts →
// progress panel), the Folders and People screens, global undo/redo shortcuts.
// One screen is mounted at a time (screen.ts): navigating unmounts the current one (its
// listeners, observers and timers go with it) and mounts the next; edits, undo, live-mode
// events and the end of indexing call the mounted screen's `refresh`.
import { api, inDesktopShell, type ApiError, type LibraryDto } from "./api";
import { byTestId, h } from "./dom";
import { installShortcuts, reportError, setRedraw } from "./edits";
import { plural } from "./format";
import { mountPeople } from "./people";
import { mountPhotos } from "./photos";
import { onIndexingFinished, startIndexing } from "./progress";
import { Scope, type Screen } from "./screen";
import { mountSearch } from "./search";
import { showSettings } from "./settings";
import { checkSetup } from "./setup";
import { startWatching } from "./watch";

type ScreenName = "photos" | "people" | "search" | "folders" | "settings";

const screenEl = (): HTMLElement => document.getElementById("screen") as HTMLElement;
let current: ScreenName = "people";
/** The mounted screen. */
let mounted: Screen | null = null;

async function navigate(to: ScreenName): Promise<void> {
  current = to;
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-nav]")) {
    const active = b.dataset.nav === to;
    b.classList.toggle("active", active);
    if (active) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  const el = screenEl();
  mounted?.unmount();
  el.dataset.screen = to;
  const screen = mount(to, el);
  mounted = screen;
  setRedraw(() => void screen.refresh());
  await screen.refresh();
}

function mount(to: ScreenName, el: HTMLElement): Screen {
  switch (to) {
    case "people":
      return mountPeople(el);
    case "photos":
      return mountPhotos(el);
    case "search":
      return mountSearch(el);
    case "settings": {
      // Loaded once; nothing on it follows the library. Its scope ends the GPU install's
      // listener (the install itself goes on in the shell).
      let loaded = false;
      const scope = new Scope();
      return {
        refresh: async () => {
          if (loaded) return;
          loaded = true;
          await showSettings(el, scope);
        },
        unmount: () => scope.dispose(),
      };
    }
    case "folders":
      return {
        refresh: () => showFolders(el),
        unmount: () => {},
      };
  }
}

async function library(): Promise<LibraryDto | null> {
  try {
    return await api.libraryInfo();
  } catch (err) {
    showFatal(err as ApiError);
    return null;
  }
}

/** Folder picker → add → index at once. */
async function addFolder(): Promise<void> {
  try {
    const path = await api.pickFolder();
    if (!path) return;
    await api.libraryAdd(path);
    void startIndexing();
    if (current === "folders") await mounted?.refresh();
    else await navigate("folders");
  } catch (err) {
    reportError(err as ApiError);
  }
}

function addButton(primary: boolean): HTMLButtonElement {
  const b = h("button", { type: "button", class: primary ? "primary" : "secondary small", "data-testid": "add-folder" }, "Add folder…");
  b.addEventListener("click", () => void addFolder());
  return b;
}

async function showFolders(el: HTMLElement): Promise<void> {
  const lib = await library();
  if (!lib || el.dataset.screen !== "folders") return;
  if (lib.roots.length === 0) {
    el.replaceChildren(firstRun());
    return;
  }
  const rows = lib.roots.map((r) => {
    const remove = h("button", { type: "button", class: "secondary small", "data-testid": "remove-folder" }, "Remove");
    remove.addEventListener("click", async () => {
      try {
        await api.libraryRemove(r.path);
        await showFolders(el);
      } catch (err) {
        reportError(err as ApiError);
      }
    });
    return h("li", { class: "folder-row", "data-testid": "folder-row" }, h("span", { class: "folder-path" }, r.path), remove);
  });
  const index = h("button", { type: "button", class: "secondary small", "data-testid": "index-now" }, "Index now");
  index.addEventListener("click", () => void startIndexing());
  el.replaceChildren(
    h("header", { class: "screen-head" }, h("h1", {}, "Folders"), h("div", { class: "spacer" }), index, addButton(false)),
    h("ul", { class: "folder-list", role: "list" }, ...rows),
    h("p", { class: "muted", "data-testid": "library-counts" },
      `${plural(lib.photos, "photo")} · ${plural(lib.faces, "face")} · ${plural(lib.people, "person", "people")}` +
        (lib.failed > 0 ? ` · ${plural(lib.failed, "file")} failed` : "")),
  );
}

function firstRun(): HTMLElement {
  return h("section", { class: "empty-state", "data-testid": "empty-state" },
    h("h1", {}, "No photo folders yet"),
    h("p", { class: "hint" }, "Add a folder of photos and Likeness will find the faces in it, on this computer only."),
    addButton(true));
}

function showFatal(e: ApiError): void {
  screenEl().replaceChildren(
    h("section", { class: "empty-state", "data-testid": "fatal" },
      h("h1", {}, "The library could not be opened"),
      h("p", { class: "hint error-text" }, `${e.message} (${e.code})`)));
}

async function showAppInfo(): Promise<void> {
  const versionEl = byTestId<HTMLSpanElement>("app-version");
  try {
    const info = await api.appInfo();
    byTestId<HTMLSpanElement>("app-name").textContent = info.name;
    versionEl.textContent = `v${info.version}`;
    document.title = info.name;
  } catch {
    versionEl.textContent = "version unavailable";
  }
}

/** Records when the start screen was first on screen with its content (two animation frames
 * after it was rendered), for the GUI benchmark (crates/bench/src/bin/gui_bench.rs). */
function markFirstPaint(): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      (window as unknown as { __likenessPaint: unknown }).__likenessPaint = {
        at: performance.now(),
        origin: performance.timeOrigin,
        cards: document.querySelectorAll('[data-testid="person-card"]').length,
      };
    }),
  );
}

async function boot(): Promise<void> {
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-nav]")) {
    b.addEventListener("click", () => void navigate(b.dataset.nav as ScreenName));
  }
  installShortcuts();
  onIndexingFinished(() => {
    if (current !== "settings") void mounted?.refresh();
  });
  if (!inDesktopShell()) {
    byTestId<HTMLSpanElement>("app-version").textContent = "browser preview";
    screenEl().replaceChildren(firstRun());
    return;
  }
  void showAppInfo();
  // A broken install says so, full window, over whatever the library shows (the check takes a
  // quarter of a second; the first screen does not wait for it).
  void checkSetup();
  const lib = await library();
  if (!lib) return;
  // First run (no folders): the Folders screen is the welcome screen.
  await navigate(lib.roots.length === 0 ? "folders" : "people");
  markFirstPaint();
  if (lib.roots.length > 0 && !lib.indexing) {
    // Pending work: index it (live mode follows); else follow the folders at once.
    if (lib.pending > 0) void startIndexing();
    else void startWatching();
  }
}

void boot();
