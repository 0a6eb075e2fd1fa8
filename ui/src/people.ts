// The People page: a card per named person and unnamed cluster (cover face, count), biggest
// first; inline naming with autocomplete (a taken name merges, as the engine's `name` does);
// multi-select to merge or hide; drag a card's face onto another card to merge the two. The
// grid is painted in chunks (a screenful at once, the next as the view comes near the end) and
// cards off screen skip layout and paint (`content-visibility`), so 5,000 clusters stay smooth.
// The person page: their faces, selectable (click / Space, Shift-click for a range) to say
// "not this person", "not a face" or move them to someone else; and the "Is this X?" review
// of suggestions with Y / N / A and ← / → (J / K). Every edit goes through `edited` (undo).
import { api, thumbUrl, type ApiError, type PersonDetailDto, type PersonDto } from "./api";
import { h } from "./dom";
import { formatTakenAt, personSubtitle, personTitle, plural } from "./format";
import { filterPeople, knownNames, mergePlan, sortPeople } from "./people-logic";
import {
  chunkRanges,
  dropPlan,
  moveTarget,
  pruneSelection,
  reviewAction,
  reviewFocus,
  toggleFace,
  type FaceSelection,
} from "./people-flows";
import { edited, reportError } from "./edits";

interface PageState {
  people: PersonDto[];
  byId: Map<number, PersonDto>;
  selected: Set<number>;
  showHidden: boolean;
  filter: string;
  open: number | null;
  detail: PersonDetailDto | null;
  faces: FaceSelection;
  /** The suggestion the review keys act on, and whether the keyboard drives the review. */
  reviewIndex: number;
  reviewByKeys: boolean;
  /** The person page shows their faces (to correct) or their photos. */
  view: "faces" | "photos";
}

const page: PageState = {
  people: [],
  byId: new Map(),
  selected: new Set(),
  showHidden: false,
  filter: "",
  open: null,
  detail: null,
  faces: { selected: new Set(), anchor: null },
  reviewIndex: 0,
  reviewByKeys: false,
  view: "faces",
};
let screen: HTMLElement | null = null;
/** Bumped by every grid paint: chunks of an older paint stop. */
let paintGeneration = 0;
/** Adds the People grid's next cards when its end comes near the view. */
let moreCards: IntersectionObserver | null = null;
/** The person being dragged (dragover cannot read the DataTransfer's data). */
let dragging: number | null = null;
/** One people request at a time from the keyboard (key repeat). */
let busy = false;
let keysInstalled = false;

/** Shows the People page in `into` (and keeps it current after edits). */
export async function showPeople(into: HTMLElement): Promise<void> {
  screen = into;
  page.open = null;
  page.detail = null;
  installReviewKeys();
  await refreshPeople();
}

/** Reloads from the catalog and redraws, if the page is shown. */
export async function refreshPeople(): Promise<void> {
  if (!screen || !screen.isConnected || screen.dataset.screen !== "people") return;
  try {
    setPeople(await api.peopleOverview(page.showHidden));
  } catch (err) {
    reportError(err as ApiError);
    return;
  }
  for (const id of [...page.selected]) if (!page.byId.has(id)) page.selected.delete(id);
  if (page.open !== null && page.byId.has(page.open)) {
    await openPerson(page.open);
    return;
  }
  page.open = null;
  page.detail = null;
  render();
}

function setPeople(people: PersonDto[]): void {
  page.people = sortPeople(people);
  page.byId = new Map(page.people.map((p) => [p.id, p]));
}

function render(): void {
  if (!screen) return;
  const names = h("datalist", { id: "known-names" }, ...knownNames(page.people).map((n) => h("option", { value: n })));
  const filter = h("input", { type: "search", class: "filter", placeholder: "Filter by name", "aria-label": "Filter people by name", "data-testid": "people-filter", value: page.filter });
  filter.addEventListener("input", () => {
    page.filter = filter.value;
    paintGrid(grid, filterPeople(page.people, page.filter));
  });
  const hidden = h("input", { type: "checkbox", "data-testid": "show-hidden" });
  hidden.checked = page.showHidden;
  hidden.addEventListener("change", () => {
    page.showHidden = hidden.checked;
    void refreshPeople();
  });
  const grid = h("div", { class: "people-grid", role: "list", "data-testid": "people-grid" });
  wireGrid(grid);
  screen.replaceChildren(
    h("header", { class: "screen-head" },
      h("h1", {}, "People"),
      h("span", { class: "muted", "data-testid": "people-count" }, plural(page.people.length, "person", "people")),
      h("div", { class: "spacer" }),
      filter,
      h("label", { class: "check" }, hidden, "Show hidden")),
    // The bar and the hint share one place: the bar covers the hint while people are selected.
    h("div", { class: "people-bar-slot" },
      page.people.length === 0 ? "" : h("p", { class: "muted drag-hint" }, "Drag a face onto another person to merge them, or select several and Merge."),
      selectionBar()),
    names,
    page.people.length === 0
      ? h("p", { class: "empty-note", "data-testid": "people-empty" }, "Nobody yet. People appear here once indexing has found faces.")
      : "",
    grid,
  );
  paintGrid(grid, filterPeople(page.people, page.filter));
}

/**
 * Fills `grid` with `people`'s cards: the first chunk now (a small library is complete in the
 * first paint), the next ones when the end of the grid comes within 1,500 px of the scrolled
 * view (so nothing is laid out or decoded for cards nobody scrolled to, and scrolling is never
 * interrupted by a big append). `data-people-ready` is set on the document once the first
 * cards have been painted (the People page benchmark waits for it), `data-complete` on the
 * grid once every card is there.
 */
function paintGrid(grid: HTMLElement, people: PersonDto[]): void {
  const generation = ++paintGeneration;
  moreCards?.disconnect();
  moreCards = null;
  const chunks = chunkRanges(people.length);
  let next = 0;
  const add = (): void => {
    if (generation !== paintGeneration || !grid.isConnected || next >= chunks.length) return;
    const [a, b] = chunks[next++];
    const frag = document.createDocumentFragment();
    for (const p of people.slice(a, b)) frag.append(card(p));
    grid.append(frag);
    if (next >= chunks.length) {
      grid.dataset.complete = "1";
      moreCards?.disconnect();
      moreCards = null;
    }
  };
  grid.replaceChildren();
  grid.classList.toggle("large", chunks.length > 1);
  delete grid.dataset.complete;
  const oldEnd = grid.nextElementSibling;
  if (oldEnd?.classList.contains("grid-end")) oldEnd.remove();
  if (chunks.length === 0) grid.dataset.complete = "1";
  else add();
  if (next < chunks.length) {
    const end = h("div", { class: "grid-end", "aria-hidden": "true" });
    grid.after(end);
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        add();
        // Still near after this chunk? Observing again reports the current state.
        observer.unobserve(end);
        if (next < chunks.length) observer.observe(end);
      },
      { root: grid.closest(".content"), rootMargin: "1500px 0px" },
    );
    observer.observe(end);
    moreCards = observer;
  }
  // Two frames: the first chunk has been laid out and painted.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.documentElement.dataset.peopleReady = "1";
    }),
  );
}

function selectionBar(): HTMLElement {
  const n = page.selected.size;
  const bar = h("div", { class: "selection-bar", "data-testid": "selection-bar", hidden: n === 0 });
  if (n === 0) return bar;
  const merge = h("button", { type: "button", class: "primary small", "data-testid": "merge-selected" }, "Merge");
  merge.disabled = n < 2;
  merge.addEventListener("click", () => void mergeSelected());
  const hide = h("button", { type: "button", class: "secondary small", "data-testid": "hide-selected" }, page.showHidden ? "Hide / unhide" : "Hide");
  hide.addEventListener("click", () => void hideSelected());
  const clear = h("button", { type: "button", class: "secondary small", "data-testid": "clear-selection" }, "Clear");
  clear.addEventListener("click", () => {
    page.selected.clear();
    render();
  });
  bar.append(h("span", { "data-testid": "selected-count" }, `${n} selected`), merge, hide, clear);
  return bar;
}

/** A card: no listeners of its own (the grid delegates), so thousands stay cheap. */
function card(p: PersonDto): HTMLElement {
  const title = personTitle(p);
  const cover =
    p.coverFace !== null
      ? h("img", { class: "cover", src: thumbUrl("face", p.coverFace), alt: "", loading: "lazy", decoding: "async", width: 160, height: 160, draggable: "false" })
      : h("div", { class: "cover placeholder" });
  const select = h("input", { type: "checkbox", class: "select", "aria-label": `Select ${title}`, "data-testid": `person-select-${p.id}` });
  select.checked = page.selected.has(p.id);
  const open = h("button", {
    type: "button",
    class: "cover-button",
    draggable: "true",
    title: "Open — or drag onto another person to merge",
    "aria-label": `Open ${title}`,
    "data-testid": `person-open-${p.id}`,
  }, cover);
  const el = h(
    "div",
    { class: `person-card${p.name === null ? " unnamed" : ""}${p.hidden ? " hidden-person" : ""}${page.selected.has(p.id) ? " selected" : ""}`, role: "listitem", "data-testid": "person-card", "data-person": p.id },
    open,
    select,
    nameField(p),
    h("span", { class: "person-sub", "data-testid": "person-sub" }, personSubtitle(p)),
  );
  if (p.hidden) el.append(h("span", { class: "badge" }, "hidden"));
  return el;
}

/** The card's name: an input for unnamed clusters, the name (click to rename) otherwise. */
function nameField(p: PersonDto): HTMLElement {
  return h("input", {
    type: "text",
    class: "name-input",
    list: "known-names",
    placeholder: "Add a name",
    "aria-label": p.name === null ? "Name this person" : `Rename ${p.name}`,
    "data-testid": `person-name-${p.id}`,
    value: p.name ?? "",
    autocomplete: "off",
    spellcheck: false,
  });
}

function personOf(el: EventTarget | null): PersonDto | null {
  const c = el instanceof Element ? el.closest<HTMLElement>(".person-card") : null;
  return c ? page.byId.get(Number(c.dataset.person)) ?? null : null;
}

/** The grid's listeners: open, select, name, drag and drop, for every card. */
function wireGrid(grid: HTMLElement): void {
  const committing = new WeakSet<HTMLInputElement>();
  const commitName = async (input: HTMLInputElement, p: PersonDto): Promise<void> => {
    if (committing.has(input)) return;
    const name = input.value.trim();
    if (name === "" || name === p.name) return;
    committing.add(input);
    try {
      // A name someone else has merges the two: the edit's label says so.
      edited((await api.personName(p.id, name)).edit.label);
    } catch (err) {
      committing.delete(input);
      reportError(err as ApiError);
    }
  };
  grid.addEventListener("click", (e) => {
    const open = (e.target as Element).closest(".cover-button");
    const p = personOf(open);
    if (open && p) void openPerson(p.id);
  });
  grid.addEventListener("change", (e) => {
    const t = e.target as HTMLInputElement;
    const p = personOf(t);
    if (!p) return;
    if (t.classList.contains("select")) {
      if (t.checked) page.selected.add(p.id);
      else page.selected.delete(p.id);
      screen?.querySelector('[data-testid="selection-bar"]')?.replaceWith(selectionBar());
      t.closest(".person-card")?.classList.toggle("selected", t.checked);
    } else if (t.classList.contains("name-input")) {
      void commitName(t, p);
    }
  });
  grid.addEventListener("keydown", (e) => {
    const t = e.target as HTMLInputElement;
    if (!t.classList.contains("name-input")) return;
    const p = personOf(t);
    if (!p) return;
    if (e.key === "Enter") {
      e.preventDefault();
      void commitName(t, p);
    } else if (e.key === "Escape") {
      t.value = p.name ?? "";
      t.blur();
    }
  });
  // Drag a card's face onto another card: the two merge (keyboard: select both, Merge).
  const clearTargets = (): void => {
    for (const c of grid.querySelectorAll(".drop-target")) c.classList.remove("drop-target");
  };
  grid.addEventListener("dragstart", (e) => {
    const p = personOf(e.target);
    if (!p || !(e.target as Element).closest(".cover-button")) return;
    dragging = p.id;
    e.dataTransfer?.setData("application/x-likeness-person", String(p.id));
    e.dataTransfer?.setData("text/plain", personTitle(p));
    if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    (e.target as Element).closest(".person-card")?.classList.add("dragging");
  });
  grid.addEventListener("dragover", (e) => {
    const target = personOf(e.target);
    if (dragging === null || !target || target.id === dragging) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
    const c = (e.target as Element).closest(".person-card");
    if (c && !c.classList.contains("drop-target")) {
      clearTargets();
      c.classList.add("drop-target");
    }
  });
  grid.addEventListener("dragleave", (e) => {
    const c = (e.target as Element).closest(".person-card");
    const into = e.relatedTarget instanceof Node ? e.relatedTarget : null;
    if (c && !(into && c.contains(into))) c.classList.remove("drop-target");
  });
  grid.addEventListener("drop", (e) => {
    const target = personOf(e.target);
    const raw = e.dataTransfer?.getData("application/x-likeness-person");
    const sourceId = raw ? Number(raw) : dragging;
    const source = sourceId !== null ? page.byId.get(sourceId) : undefined;
    clearTargets();
    dragging = null;
    if (!target || !source) return;
    e.preventDefault();
    const plan = dropPlan(source, target);
    if (plan) void merge(plan.from, plan.into);
  });
  grid.addEventListener("dragend", () => {
    dragging = null;
    clearTargets();
    for (const c of grid.querySelectorAll(".dragging")) c.classList.remove("dragging");
  });
}

async function merge(from: number[], into: number): Promise<void> {
  try {
    const edit = await api.peopleMerge(from, into);
    for (const id of from) page.selected.delete(id);
    edited(edit.label);
  } catch (err) {
    reportError(err as ApiError);
  }
}

async function mergeSelected(): Promise<void> {
  const plan = mergePlan(page.people.filter((p) => page.selected.has(p.id)));
  if (!plan) return;
  page.selected.clear();
  await merge(plan.from, plan.into);
}

async function hideSelected(): Promise<void> {
  const chosen = page.people.filter((p) => page.selected.has(p.id));
  try {
    let label = "";
    for (const p of chosen) label = (await api.personHide(p.id, !p.hidden)).label;
    page.selected.clear();
    edited(chosen.length === 1 ? label : `${chosen.length} people hidden or shown`);
  } catch (err) {
    reportError(err as ApiError);
  }
}

async function openPerson(id: number): Promise<void> {
  let detail: PersonDetailDto;
  try {
    detail = await api.personDetail(id, 500);
  } catch (err) {
    reportError(err as ApiError);
    return;
  }
  if (page.open !== id) {
    page.faces = { selected: new Set(), anchor: null };
    page.reviewIndex = 0;
    page.reviewByKeys = false;
    page.view = "faces";
  }
  page.open = id;
  page.detail = detail;
  renderPerson(detail);
}

/** Runs a people edit: its label goes to the undo toast, a refusal to an error toast. */
async function act(run: () => Promise<string>): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    edited(await run());
  } catch (err) {
    reportError(err as ApiError);
  } finally {
    busy = false;
  }
}

function renderPerson(d: PersonDetailDto): void {
  if (!screen) return;
  const order = d.faces.map((f) => f.id);
  page.faces = pruneSelection(page.faces, order);
  const back = h("button", { type: "button", class: "secondary small", "data-testid": "person-back" }, "← People");
  back.addEventListener("click", () => {
    page.open = null;
    page.detail = null;
    render();
  });
  const hide = h("button", { type: "button", class: "secondary small", "data-testid": "person-hide" }, d.person.hidden ? "Unhide" : "Hide");
  hide.addEventListener("click", () => void act(async () => (await api.personHide(d.person.id, !d.person.hidden)).label));
  const all = h("button", { type: "button", class: "secondary small", "data-testid": "faces-select-all" }, "Select all");
  all.addEventListener("click", () => {
    page.faces = { selected: new Set(order), anchor: page.faces.anchor };
    syncFaceSelection(faces, bar);
  });
  const bar = faceSelectionBar(d, () => syncFaceSelection(faces, bar));
  const faces = h("div", { class: "face-grid", role: "list", "aria-label": `Faces of ${personTitle(d.person)}`, "data-testid": "person-faces" },
    ...d.faces.map((f) => {
      const pick = h("button", {
        type: "button",
        class: "face-pick",
        "aria-pressed": "false",
        "aria-label": "Select this face (Shift: a range)",
        "data-testid": `face-pick-${f.id}`,
      }, h("img", { src: thumbUrl("face", f.id), alt: "", loading: "lazy", decoding: "async", width: 120, height: 120, draggable: "false" }));
      pick.addEventListener("click", (e) => {
        page.faces = toggleFace(page.faces, order, f.id, e.shiftKey);
        syncFaceSelection(faces, bar);
      });
      const reject = h("button", { type: "button", class: "face-action", title: "Not this person", "aria-label": "Not this person", "data-testid": `face-reject-${f.id}` }, "✕");
      reject.addEventListener("click", () => void act(async () => (await api.facesReject(d.person.id, [f.id])).label));
      const notFace = h("button", { type: "button", class: "face-action second", title: "Not a face", "aria-label": "Not a face", "data-testid": `face-not-a-face-${f.id}` }, "⊘");
      notFace.addEventListener("click", () => void act(async () => (await api.facesNotAFace([f.id], true)).label));
      const cover = h("button", { type: "button", class: "face-action third", title: "Use as the cover", "aria-label": "Use as the cover", "data-testid": `face-cover-${f.id}` }, "★");
      cover.addEventListener("click", () => void act(async () => (await api.personCover(d.person.id, f.id)).label));
      return h("div", { class: `face-tile ${f.provenance ?? ""}`, role: "listitem", "data-testid": "face-tile", "data-face": f.id, "data-photo": f.photo },
        pick, reject, notFace, cover);
    }));
  faces.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && page.faces.selected.size > 0) {
      page.faces = { selected: new Set(), anchor: null };
      syncFaceSelection(faces, bar);
    }
  });
  const review = suggestionsSection(d);
  const views = h("div", { class: "view-switch", role: "group", "aria-label": "Show" },
    ...(["faces", "photos"] as const).map((v) => {
      const b = h("button", { type: "button", class: "secondary small", "aria-pressed": String(page.view === v), "data-testid": `person-view-${v}` },
        v === "faces" ? "Faces" : "Photos");
      b.addEventListener("click", () => {
        if (page.view === v) return;
        page.view = v;
        renderPerson(d);
      });
      return b;
    }));
  const more = d.person.faces > d.faces.length
    ? h("p", { class: "muted" }, `Showing ${plural(d.faces.length, "face")} of ${d.person.faces.toLocaleString("en-US")} (the newest photos first).`)
    : "";
  const photos = h("div", { class: "photo-grid", role: "list", "aria-label": `Photos of ${personTitle(d.person)}`, "data-testid": "person-photos" });
  screen.replaceChildren(
    h("header", { class: "screen-head" },
      back,
      h("h1", { "data-testid": "person-title" }, personTitle(d.person)),
      h("span", { class: "muted" }, personSubtitle(d.person)),
      h("div", { class: "spacer" }),
      views,
      page.view === "faces" && d.faces.length > 0 ? all : "",
      hide),
    h("datalist", { id: "move-names" }, ...knownNames(page.people, d.person.id).map((n) => h("option", { value: n }))),
    ...(page.view === "faces" ? [review ?? "", bar, faces, more] : [photos]),
  );
  if (page.view === "photos") {
    void fillPhotos(photos, d.person.id);
    return;
  }
  syncFaceSelection(faces, bar);
  if (review && page.reviewByKeys) focusSuggestion(page.reviewIndex);
}

/** The person's photos, newest first (the same query as Search with one person). */
async function fillPhotos(grid: HTMLElement, person: number): Promise<void> {
  const limit = 1000;
  try {
    const hits = await api.photosSearch([person], null, null, limit);
    if (!grid.isConnected) return;
    grid.replaceChildren(
      ...hits.map((p) =>
        h("figure", { class: "photo-tile", role: "listitem", "data-testid": "person-photo", title: p.path },
          h("img", { src: thumbUrl("photo", p.id), alt: "", loading: "lazy", decoding: "async" }),
          h("figcaption", {}, formatTakenAt(p.takenAt)))),
    );
    if (hits.length === limit) grid.after(h("p", { class: "muted" }, `The newest ${plural(limit, "photo")}; Search finds the others by date.`));
  } catch (err) {
    reportError(err as ApiError);
  }
}

/** Marks the selected tiles and updates the bar, without redrawing the page. */
function syncFaceSelection(grid: HTMLElement, bar: HTMLElement): void {
  for (const tile of grid.querySelectorAll<HTMLElement>(".face-tile")) {
    const on = page.faces.selected.has(Number(tile.dataset.face));
    tile.classList.toggle("picked", on);
    tile.querySelector(".face-pick")?.setAttribute("aria-pressed", String(on));
  }
  const n = page.faces.selected.size;
  bar.classList.toggle("empty", n === 0);
  bar.setAttribute("aria-hidden", String(n === 0));
  for (const b of bar.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input")) b.disabled = n === 0;
  const count = bar.querySelector('[data-testid="faces-selected-count"]');
  if (count) count.textContent = n === 0 ? "Select faces to move them" : `${plural(n, "face")} selected`;
}

/**
 * The bar over the faces: its place is kept while nothing is selected (no layout jump), its
 * controls are disabled then.
 */
function faceSelectionBar(d: PersonDetailDto, changed: () => void): HTMLElement {
  const chosen = (): number[] => [...page.faces.selected];
  const done = (): void => {
    page.faces = { selected: new Set(), anchor: null };
  };
  const reject = h("button", { type: "button", class: "secondary small", "data-testid": "faces-reject-selected" }, "Not this person");
  reject.addEventListener("click", () =>
    void act(async () => {
      const label = (await api.facesReject(d.person.id, chosen())).label;
      done();
      return label;
    }));
  const notFace = h("button", { type: "button", class: "secondary small", "data-testid": "faces-not-a-face-selected" }, "Not a face");
  notFace.addEventListener("click", () =>
    void act(async () => {
      const label = (await api.facesNotAFace(chosen(), true)).label;
      done();
      return label;
    }));
  const name = h("input", {
    type: "text",
    class: "move-input",
    list: "move-names",
    placeholder: "Move to… (a name)",
    "aria-label": "Move the selected faces to (an existing or a new name)",
    autocomplete: "off",
    spellcheck: false,
    "data-testid": "faces-move-name",
  });
  const move = h("button", { type: "button", class: "primary small", "data-testid": "faces-move" }, "Move");
  const runMove = (): void => {
    const target = moveTarget(page.people, name.value, d.person.id);
    if (!target) {
      reportError({ code: "invalid", message: "Type the name of the person these faces belong to." });
      name.focus();
      return;
    }
    void act(async () => {
      const label = (await api.facesMove(chosen(), target.to, target.newName)).edit.label;
      done();
      return label;
    });
  };
  move.addEventListener("click", runMove);
  name.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      runMove();
    }
  });
  const clear = h("button", { type: "button", class: "secondary small", "data-testid": "faces-clear-selection" }, "Clear");
  clear.addEventListener("click", () => {
    done();
    changed();
  });
  return h("div", { class: "face-selection-bar empty", "data-testid": "face-selection-bar", role: "toolbar", "aria-label": "Selected faces" },
    h("span", { class: "count", "data-testid": "faces-selected-count", "aria-live": "polite" }, ""),
    reject, notFace, h("span", { class: "move-to" }, name, move), clear);
}

/** "Is this X?": each suggested face with Yes / No, Yes to all, and keys for all three. */
function suggestionsSection(d: PersonDetailDto): HTMLElement | null {
  if (d.suggestions.length === 0 || d.person.name === null) return null;
  const all = h("button", { type: "button", class: "primary small", "data-testid": "suggestions-accept-all" }, "Yes to all");
  all.addEventListener("click", () => void act(async () => (await api.suggestionsAccept(d.suggestions.map((s) => s.face))).label));
  return h("section", { class: "review", "data-testid": "suggestions", "aria-label": `Is this ${d.person.name}?` },
    h("div", { class: "screen-head" },
      h("h2", {}, `Is this ${d.person.name}?`),
      h("span", { class: "muted" }, plural(d.suggestions.length, "face")),
      h("div", { class: "spacer" }), all),
    h("p", { class: "review-hint", "data-testid": "review-hint" },
      h("kbd", {}, "Y"), " yes · ", h("kbd", {}, "N"), " no · ", h("kbd", {}, "A"), " yes to all · ",
      h("kbd", {}, "←"), " ", h("kbd", {}, "→"), " (", h("kbd", {}, "J"), " ", h("kbd", {}, "K"), ") move"),
    h("div", { class: "face-grid", role: "list" },
      ...d.suggestions.map((s, i) => {
        const yes = h("button", { type: "button", class: "secondary small", tabindex: -1, "data-testid": `suggestion-yes-${s.face}` }, "Yes");
        yes.addEventListener("click", () => void answer(i, "yes"));
        const no = h("button", { type: "button", class: "secondary small", tabindex: -1, "data-testid": `suggestion-no-${s.face}` }, "No");
        no.addEventListener("click", () => void answer(i, "no"));
        const tile = h("div", {
          class: "face-tile suggested",
          role: "listitem",
          tabindex: i === clampIndex(page.reviewIndex, d.suggestions.length) ? 0 : -1,
          "aria-label": `Suggestion ${i + 1} of ${d.suggestions.length}: is this ${d.person.name}? Y yes, N no`,
          "data-testid": `suggestion-${s.face}`,
          "data-index": i,
        },
        h("img", { src: thumbUrl("face", s.face), alt: "", loading: "lazy", decoding: "async", width: 120, height: 120 }),
        h("div", { class: "yes-no" }, yes, no));
        tile.addEventListener("focus", () => {
          page.reviewIndex = i;
        });
        return tile;
      })),
  );
}

function clampIndex(i: number, n: number): number {
  return Math.max(0, Math.min(i, n - 1));
}

/** Yes / No on suggestion `index`; the focus stays at that place for the next one. */
async function answer(index: number, what: "yes" | "no"): Promise<void> {
  const d = page.detail;
  const s = d?.suggestions[index];
  if (!s) return;
  page.reviewIndex = index;
  await act(async () =>
    what === "yes"
      ? (await api.suggestionsAccept([s.face])).label
      : (await api.suggestionsReject([s.face])).map((e) => e.label).join("; "),
  );
}

function focusSuggestion(index: number): void {
  const tiles = screen?.querySelectorAll<HTMLElement>(".review [data-index]");
  if (!tiles || tiles.length === 0) return;
  const i = reviewFocus(index, tiles.length, "stay");
  page.reviewIndex = i;
  tiles.forEach((t, j) => (t.tabIndex = j === i ? 0 : -1));
  tiles[i].focus();
}

/** Y / N / A / ← → / J K on the person page while it has suggestions (not while typing). */
function installReviewKeys(): void {
  if (keysInstalled) return;
  keysInstalled = true;
  document.addEventListener("keydown", (e) => {
    const d = page.detail;
    if (!screen?.isConnected || screen.dataset.screen !== "people" || page.open === null || !d) return;
    if (d.suggestions.length === 0 || d.person.name === null || e.repeat) return;
    const t = e.target as HTMLElement | null;
    const inTextField = !!t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && (t as HTMLInputElement).type !== "checkbox") || t.isContentEditable);
    const action = reviewAction({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, inTextField });
    if (!action) return;
    // The arrows belong to the review only when the focus is in it (or on nothing).
    const inReview = !!t?.closest(".review");
    if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && !inReview && t !== document.body) return;
    e.preventDefault();
    page.reviewByKeys = true;
    const focused = t?.closest<HTMLElement>(".review [data-index]");
    const index = focused ? Number(focused.dataset.index) : clampIndex(page.reviewIndex, d.suggestions.length);
    if (action === "next" || action === "prev") {
      focusSuggestion(reviewFocus(index, d.suggestions.length, action));
    } else if (action === "all") {
      void act(async () => (await api.suggestionsAccept(d.suggestions.map((s) => s.face))).label);
    } else {
      void answer(index, action);
    }
  });
}
