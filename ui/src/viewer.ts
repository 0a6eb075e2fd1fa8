// The viewer: one photo over the app (a modal dialog), upright, with its face boxes and names
// drawn over it and scaled with it; ←/→ walk the whole timeline, Esc closes. Clicking a face
// opens a small menu: name it (autocomplete of existing names), "Not this person", "Not a
// face", "Move to…" — each one undoable people edit through edits.ts (toast with Undo).
import { api, thumbUrl, type ApiError, type PersonDto, type PhotoDetailDto, type PhotoHitDto, type ViewFaceDto } from "./api";
import { h } from "./dom";
import { edited, reportError } from "./edits";
import { formatTakenAt } from "./format";
import { knownNames } from "./people-logic";

/** What the viewer walks: the timeline (or any ordered list of photos). */
export interface PhotoSequence {
  total: () => number;
  at: (index: number) => Promise<PhotoHitDto | null>;
  /** The viewer now shows `index` (keep the grid in step). */
  shown: (index: number) => void;
  /** The viewer closed on `index` (give the focus back). */
  closed: (index: number) => void;
}

interface Viewer {
  seq: PhotoSequence;
  index: number;
  detail: PhotoDetailDto | null;
  people: PersonDto[];
  root: HTMLElement;
  title: HTMLElement;
  position: HTMLElement;
  stage: HTMLElement;
  frame: HTMLElement;
  image: HTMLImageElement;
  placeholder: HTMLImageElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  menu: HTMLElement | null;
  resize: ResizeObserver;
  token: number;
  busy: boolean;
  /** The photo shown, or the one being loaded after ←/→ (keys pressed faster than photos load
   * move from here, so two quick → go two photos on). */
  want: number;
}

let v: Viewer | null = null;

export function viewerIsOpen(): boolean {
  return v !== null;
}

/** Opens the viewer on photo `index` of `seq`. */
export function openViewer(seq: PhotoSequence, index: number): void {
  closeViewer(false);
  const close = h("button", { type: "button", class: "viewer-close", "data-testid": "viewer-close", "aria-label": "Close (Esc)", title: "Close (Esc)" }, "✕");
  const prev = h("button", { type: "button", class: "viewer-nav prev", "data-testid": "viewer-prev", "aria-label": "Previous photo (←)", title: "Previous (←)" }, "‹");
  const next = h("button", { type: "button", class: "viewer-nav next", "data-testid": "viewer-next", "aria-label": "Next photo (→)", title: "Next (→)" }, "›");
  const title = h("span", { class: "viewer-title", id: "viewer-title" });
  const position = h("span", { class: "viewer-position muted" });
  const placeholder = h("img", { class: "viewer-placeholder", alt: "", "aria-hidden": "true" });
  const image = h("img", { class: "viewer-image", "data-testid": "viewer-image", alt: "" });
  const frame = h("div", { class: "viewer-frame" }, placeholder, image);
  const stage = h("div", { class: "viewer-stage" }, frame);
  const root = h("div", { class: "viewer", role: "dialog", "aria-modal": "true", "aria-labelledby": "viewer-title", "data-testid": "viewer", tabindex: "-1" },
    h("header", { class: "viewer-bar" }, title, position, h("div", { class: "spacer" }), close),
    h("div", { class: "viewer-body" }, prev, stage, next),
    h("datalist", { id: "viewer-names" }));
  const viewer: Viewer = {
    seq, index, detail: null, people: [], root, title, position, stage, frame, image, placeholder, prev, next,
    menu: null, resize: new ResizeObserver(() => fit(viewer)), token: 0, busy: false, want: index,
  };
  v = viewer;
  image.addEventListener("load", () => image.classList.add("loaded"));
  image.addEventListener("error", () => {
    if (image.getAttribute("src")) reportError({ code: "not_found", message: "This photo could not be shown: its file is missing or unreadable." });
  });
  close.addEventListener("click", () => closeViewer(true));
  prev.addEventListener("click", () => void go(viewer, viewer.want - 1));
  next.addEventListener("click", () => void go(viewer, viewer.want + 1));
  root.addEventListener("keydown", (e) => onKey(viewer, e));
  frame.addEventListener("click", (e) => {
    const face = (e.target as HTMLElement).closest<HTMLElement>(".viewer-face");
    if (face) openMenu(viewer, Number(face.dataset.face));
  });
  stage.addEventListener("click", (e) => {
    if (e.target === stage) closeMenu(viewer);
  });
  document.body.append(root);
  viewer.resize.observe(stage);
  root.focus();
  void loadNames(viewer);
  void go(viewer, index);
}

/** Closes the viewer; `restore` gives the focus back to the grid. */
export function closeViewer(restore: boolean): void {
  const viewer = v;
  if (!viewer) return;
  v = null;
  viewer.resize.disconnect();
  viewer.root.remove();
  if (restore) viewer.seq.closed(viewer.index);
}

/** Re-reads the shown photo's faces (after an edit, undo or redo). */
export async function reloadViewer(): Promise<void> {
  const viewer = v;
  if (!viewer) return;
  // While another photo loads, that load brings fresh faces anyway (and must not be replaced).
  const redraw = viewer.want === viewer.index ? show(viewer, viewer.index, false) : Promise.resolve();
  await Promise.all([redraw, loadNames(viewer)]);
}

async function loadNames(viewer: Viewer): Promise<void> {
  try {
    viewer.people = await api.peopleOverview(true);
  } catch {
    viewer.people = [];
  }
  const list = viewer.root.querySelector("#viewer-names");
  list?.replaceChildren(...knownNames(viewer.people).map((n) => h("option", { value: n })));
}

async function go(viewer: Viewer, index: number): Promise<void> {
  const total = viewer.seq.total();
  if (index < 0 || index >= total) return;
  viewer.want = index;
  await show(viewer, index, true);
}

/** Loads photo `index` and draws it; `fresh` = a new photo (not a redraw of the same one). */
async function show(viewer: Viewer, index: number, fresh: boolean): Promise<void> {
  const token = ++viewer.token;
  let detail: PhotoDetailDto;
  // A load that fails leaves the shown photo where navigation goes on from.
  const failed = () => {
    if (token === viewer.token) viewer.want = viewer.index;
  };
  try {
    const hit = await viewer.seq.at(index);
    if (!hit) {
      failed();
      return;
    }
    detail = await api.photoDetail(hit.id);
  } catch (err) {
    failed();
    reportError(err as ApiError);
    return;
  }
  if (token !== viewer.token || v !== viewer) return;
  const samePhoto = viewer.detail?.id === detail.id;
  viewer.index = index;
  viewer.detail = detail;
  const total = viewer.seq.total();
  viewer.title.textContent = [formatTakenAt(detail.takenAt), detail.fileName].filter(Boolean).join(" · ");
  viewer.position.textContent = `${index + 1} of ${total}`;
  viewer.prev.disabled = index === 0;
  viewer.next.disabled = index >= total - 1;
  viewer.root.dataset.photo = String(detail.id);
  if (fresh && !samePhoto) {
    closeMenu(viewer);
    viewer.image.classList.remove("loaded");
    viewer.placeholder.src = thumbUrl("photo", detail.id);
    viewer.image.src = thumbUrl("full", detail.id);
    viewer.image.alt = `Photo taken ${formatTakenAt(detail.takenAt)}`;
    viewer.seq.shown(index);
    void prefetch(viewer, index + 1);
  }
  fit(viewer);
  drawFaces(viewer);
  // A redraw (an edit, undo, live mode) keeps an open face menu as it is (what the user typed
  // stays) while its face is still there.
  const menu = viewer.menu;
  if (menu) {
    const face = detail.faces.find((f) => String(f.id) === menu.dataset.face && !f.notFace);
    if (face) placeMenu(viewer, menu, face.id);
    else closeMenu(viewer);
  }
}

/** Warms the next photo (the protocol decodes it on the blocking pool; the webview caches it). */
async function prefetch(viewer: Viewer, index: number): Promise<void> {
  if (index >= viewer.seq.total()) return;
  const hit = await viewer.seq.at(index).catch(() => null);
  if (hit && v === viewer) new Image().src = thumbUrl("full", hit.id);
}

/** Sizes the frame to the photo fitted in the stage: the image and the boxes scale together. */
function fit(viewer: Viewer): void {
  const d = viewer.detail;
  if (!d || d.width <= 0 || d.height <= 0) return;
  const sw = viewer.stage.clientWidth;
  const sh = viewer.stage.clientHeight;
  if (sw <= 0 || sh <= 0) return;
  const scale = Math.min(sw / d.width, sh / d.height);
  viewer.frame.style.width = `${Math.max(1, Math.floor(d.width * scale))}px`;
  viewer.frame.style.height = `${Math.max(1, Math.floor(d.height * scale))}px`;
}

function faceLabel(f: ViewFaceDto): string {
  if (f.name && f.provenance === "suggested") return `${f.name}?`;
  return f.name ?? "Add a name";
}

function drawFaces(viewer: Viewer): void {
  const d = viewer.detail;
  if (!d) return;
  for (const old of viewer.frame.querySelectorAll(".viewer-face")) old.remove();
  const pct = (x: number, of: number): string => `${Math.max(0, Math.min(100, (x / of) * 100))}%`;
  for (const f of d.faces) {
    if (f.notFace) continue;
    const [x1, y1, x2, y2] = f.bbox;
    const named = f.name !== null && f.provenance !== "suggested";
    const box = h("button", {
      type: "button",
      class: `viewer-face${named ? " named" : ""}`,
      "data-testid": "viewer-face",
      "data-face": f.id,
      "data-person": f.person ?? "",
      "aria-label": named ? `${f.name}: change` : "Unnamed face: name it",
      "aria-haspopup": "dialog",
    }, h("span", { class: "viewer-face-label", "data-testid": "viewer-face-label" }, faceLabel(f)));
    box.style.left = pct(x1, d.width);
    box.style.top = pct(y1, d.height);
    box.style.width = pct(x2 - x1, d.width);
    box.style.height = pct(y2 - y1, d.height);
    viewer.frame.append(box);
  }
}

function faceById(viewer: Viewer, id: number): ViewFaceDto | undefined {
  return viewer.detail?.faces.find((f) => f.id === id);
}

function closeMenu(viewer: Viewer, focusFace = false): void {
  const open = viewer.menu?.dataset.face;
  viewer.menu?.remove();
  viewer.menu = null;
  if (focusFace && open) viewer.frame.querySelector<HTMLElement>(`.viewer-face[data-face="${open}"]`)?.focus();
}

/** The face menu: name / not this person / not a face / move to… */
function openMenu(viewer: Viewer, faceId: number, focus = true): void {
  closeMenu(viewer);
  const face = faceById(viewer, faceId);
  if (!face) return;
  let mode: "name" | "move" = "name";
  const named = face.name !== null && face.provenance !== "suggested";
  const heading = h("p", { class: "face-menu-title" }, named ? (face.name as string) : face.name ? `${face.name}?` : "Who is this?");
  const input = h("input", { type: "text", class: "face-menu-input", list: "viewer-names", autocomplete: "off", placeholder: named ? "Another name" : "Name", "aria-label": "Name", "data-testid": "face-menu-name", value: face.provenance === "suggested" ? (face.name ?? "") : "" });
  const save = h("button", { type: "submit", class: "primary small" }, "Save");
  const form = h("form", { class: "face-menu-form" }, input, save);
  const actions = h("div", { class: "face-menu-actions" });
  if (face.person !== null) {
    const reject = h("button", { type: "button", class: "secondary small", "data-testid": "face-menu-reject" }, face.name ? `Not ${face.name}` : "Not this person");
    reject.addEventListener("click", () => {
      const person = (faceById(viewer, face.id) ?? face).person;
      if (person !== null) void act(viewer, async () => (await api.facesReject(person, [face.id])).label);
    });
    actions.append(reject);
  }
  const notFace = h("button", { type: "button", class: "secondary small", "data-testid": "face-menu-not-a-face" }, "Not a face");
  notFace.addEventListener("click", () => void act(viewer, async () => (await api.facesNotAFace([face.id], true)).label));
  const move = h("button", { type: "button", class: "secondary small", "data-testid": "face-menu-move", "aria-pressed": "false" }, "Move to…");
  move.addEventListener("click", () => {
    mode = mode === "move" ? "name" : "move";
    move.setAttribute("aria-pressed", String(mode === "move"));
    input.placeholder = mode === "move" ? "Move to person…" : "Name";
    input.setAttribute("aria-label", mode === "move" ? "Move to person" : "Name");
    input.focus();
  });
  actions.append(notFace, move);
  const submit = (): void => {
    const name = input.value.trim();
    if (name) void act(viewer, () => nameFace(viewer, faceById(viewer, face.id) ?? face, name, mode));
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  // Enter saves even while the name suggestions are open (they would take it otherwise).
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      submit();
    }
  });
  const menu = h("div", { class: "face-menu", role: "dialog", "aria-label": "Face", "data-testid": "face-menu", "data-face": face.id }, heading, form, actions);
  viewer.menu = menu;
  viewer.root.append(menu);
  placeMenu(viewer, menu, face.id);
  if (focus) input.focus();
}

/** Below the face box (above it if there is no room), kept inside the window. */
function placeMenu(viewer: Viewer, menu: HTMLElement, faceId: number): void {
  const box = viewer.frame.querySelector<HTMLElement>(`.viewer-face[data-face="${faceId}"]`);
  if (!box) return;
  const b = box.getBoundingClientRect();
  const m = menu.getBoundingClientRect();
  const margin = 8;
  let top = b.bottom + 28;
  if (top + m.height > window.innerHeight - margin) top = Math.max(margin, b.top - m.height - margin);
  const left = Math.max(margin, Math.min(window.innerWidth - m.width - margin, b.left + b.width / 2 - m.width / 2));
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}

/**
 * Naming from the viewer. An unnamed cluster's face names the cluster (its faces are the same
 * person; a taken name merges). Otherwise — a named face, a face of nobody, or "Move to…" —
 * this one face goes to the person with that name (created if nobody has it).
 */
async function nameFace(viewer: Viewer, face: ViewFaceDto, name: string, mode: "name" | "move"): Promise<string> {
  if (mode === "name" && face.person !== null && face.name === null) {
    return (await api.personName(face.person, name)).edit.label;
  }
  const lower = name.toLowerCase();
  const target = viewer.people.find((p) => p.name !== null && p.name.toLowerCase() === lower);
  return (await api.facesMove([face.id], target ? target.id : null, target ? null : name)).edit.label;
}

async function act(viewer: Viewer, run: () => Promise<string>): Promise<void> {
  if (viewer.busy) return;
  viewer.busy = true;
  try {
    const label = await run();
    closeMenu(viewer);
    viewer.root.focus();
    edited(label);
  } catch (err) {
    reportError(err as ApiError);
  } finally {
    viewer.busy = false;
  }
}

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>("button:not([disabled]), input, [tabindex]:not([tabindex='-1'])")].filter((e) => e.offsetParent !== null || e === document.activeElement);
}

function onKey(viewer: Viewer, e: KeyboardEvent): void {
  const t = e.target as HTMLElement;
  const typing = t.tagName === "INPUT" || t.tagName === "TEXTAREA";
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    if (viewer.menu) closeMenu(viewer, true);
    else closeViewer(true);
    return;
  }
  if (e.key === "Tab") {
    // Focus stays inside the dialog (and inside the face menu while it is open).
    const scope = viewer.menu && viewer.menu.contains(t) ? viewer.menu : viewer.root;
    const items = focusables(scope);
    if (items.length === 0) return;
    const i = items.indexOf(t);
    const to = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : i === -1 || i === items.length - 1 ? 0 : i + 1;
    e.preventDefault();
    items[to].focus();
    return;
  }
  if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
    e.preventDefault();
    void go(viewer, viewer.want + (e.key === "ArrowLeft" ? -1 : 1));
  }
}
