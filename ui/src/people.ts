// The People page: a card per named person and unnamed cluster (cover face, count), biggest
// first; inline naming with autocomplete (a taken name merges, as the engine's `name` does);
// multi-select to merge or hide; a person page with their faces.
import { api, thumbUrl, type ApiError, type PersonDetailDto, type PersonDto } from "./api";
import { h } from "./dom";
import { personSubtitle, personTitle, plural } from "./format";
import { filterPeople, knownNames, mergePlan, sortPeople } from "./people-logic";
import { edited, reportError } from "./edits";

interface PageState {
  people: PersonDto[];
  selected: Set<number>;
  showHidden: boolean;
  filter: string;
  open: number | null;
}

const page: PageState = { people: [], selected: new Set(), showHidden: false, filter: "", open: null };
let screen: HTMLElement | null = null;

/** Shows the People page in `into` (and keeps it current after edits). */
export async function showPeople(into: HTMLElement): Promise<void> {
  screen = into;
  page.open = null;
  await refreshPeople();
}

/** Reloads from the catalog and redraws, if the page is shown. */
export async function refreshPeople(): Promise<void> {
  if (!screen || !screen.isConnected || screen.dataset.screen !== "people") return;
  try {
    page.people = sortPeople(await api.peopleOverview(page.showHidden));
  } catch (err) {
    reportError(err as ApiError);
    return;
  }
  const ids = new Set(page.people.map((p) => p.id));
  for (const id of [...page.selected]) if (!ids.has(id)) page.selected.delete(id);
  if (page.open !== null && ids.has(page.open)) {
    await openPerson(page.open);
    return;
  }
  page.open = null;
  render();
}

function render(): void {
  if (!screen) return;
  const shown = filterPeople(page.people, page.filter);
  const names = h("datalist", { id: "known-names" }, ...knownNames(page.people).map((n) => h("option", { value: n })));
  const filter = h("input", { type: "search", class: "filter", placeholder: "Filter by name", "aria-label": "Filter people by name", "data-testid": "people-filter", value: page.filter });
  filter.addEventListener("input", () => {
    page.filter = filter.value;
    renderGrid(grid, filterPeople(page.people, page.filter));
  });
  const hidden = h("input", { type: "checkbox", "data-testid": "show-hidden" });
  hidden.checked = page.showHidden;
  hidden.addEventListener("change", () => {
    page.showHidden = hidden.checked;
    void refreshPeople();
  });
  const grid = h("div", { class: "people-grid", role: "list", "data-testid": "people-grid" });
  renderGrid(grid, shown);
  screen.replaceChildren(
    h("header", { class: "screen-head" },
      h("h1", {}, "People"),
      h("span", { class: "muted", "data-testid": "people-count" }, plural(page.people.length, "person", "people")),
      h("div", { class: "spacer" }),
      filter,
      h("label", { class: "check" }, hidden, "Show hidden")),
    selectionBar(),
    names,
    page.people.length === 0
      ? h("p", { class: "empty-note", "data-testid": "people-empty" }, "Nobody yet. People appear here once indexing has found faces.")
      : grid,
  );
}

function renderGrid(grid: HTMLElement, people: PersonDto[]): void {
  grid.replaceChildren(...people.map(card));
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

function card(p: PersonDto): HTMLElement {
  const cover =
    p.coverFace !== null
      ? h("img", { class: "cover", src: thumbUrl("face", p.coverFace), alt: "", loading: "lazy", width: 160, height: 160 })
      : h("div", { class: "cover placeholder" });
  const select = h("input", { type: "checkbox", class: "select", "aria-label": `Select ${personTitle(p)}`, "data-testid": `person-select-${p.id}` });
  select.checked = page.selected.has(p.id);
  select.addEventListener("change", () => {
    if (select.checked) page.selected.add(p.id);
    else page.selected.delete(p.id);
    const old = screen?.querySelector('[data-testid="selection-bar"]');
    old?.replaceWith(selectionBar());
    el.classList.toggle("selected", select.checked);
  });
  const open = h("button", { type: "button", class: "cover-button", "aria-label": `Open ${personTitle(p)}`, "data-testid": `person-open-${p.id}` }, cover);
  open.addEventListener("click", () => void openPerson(p.id));
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
  const input = h("input", {
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
  let done = false;
  const commit = async (): Promise<void> => {
    if (done) return;
    const name = input.value.trim();
    if (name === "" || name === p.name) return;
    done = true;
    try {
      // A name someone else has merges the two: the edit's label says so.
      edited((await api.personName(p.id, name)).edit.label);
    } catch (err) {
      done = false;
      reportError(err as ApiError);
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      void commit();
    } else if (e.key === "Escape") {
      input.value = p.name ?? "";
      input.blur();
    }
  });
  input.addEventListener("change", () => void commit());
  return input;
}

async function mergeSelected(): Promise<void> {
  const plan = mergePlan(page.people.filter((p) => page.selected.has(p.id)));
  if (!plan) return;
  try {
    const edit = await api.peopleMerge(plan.from, plan.into);
    page.selected.clear();
    edited(edit.label);
  } catch (err) {
    reportError(err as ApiError);
  }
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
  page.open = id;
  renderPerson(detail);
}

function renderPerson(d: PersonDetailDto): void {
  if (!screen) return;
  const back = h("button", { type: "button", class: "secondary small", "data-testid": "person-back" }, "← People");
  back.addEventListener("click", () => {
    page.open = null;
    render();
  });
  const hide = h("button", { type: "button", class: "secondary small", "data-testid": "person-hide" }, d.person.hidden ? "Unhide" : "Hide");
  hide.addEventListener("click", async () => {
    try {
      edited((await api.personHide(d.person.id, !d.person.hidden)).label);
    } catch (err) {
      reportError(err as ApiError);
    }
  });
  const faces = h("div", { class: "face-grid", role: "list", "data-testid": "person-faces" },
    ...d.faces.map((f) => {
      const reject = h("button", { type: "button", class: "face-action", title: "Not this person", "aria-label": "Not this person", "data-testid": `face-reject-${f.id}` }, "✕");
      reject.addEventListener("click", async () => {
        try {
          edited((await api.facesReject(d.person.id, [f.id])).label);
        } catch (err) {
          reportError(err as ApiError);
        }
      });
      const notFace = h("button", { type: "button", class: "face-action second", title: "Not a face", "aria-label": "Not a face", "data-testid": `face-not-a-face-${f.id}` }, "⊘");
      notFace.addEventListener("click", async () => {
        try {
          edited((await api.facesNotAFace([f.id], true)).label);
        } catch (err) {
          reportError(err as ApiError);
        }
      });
      const cover = h("button", { type: "button", class: "face-action third", title: "Use as the cover", "aria-label": "Use as the cover", "data-testid": `face-cover-${f.id}` }, "★");
      cover.addEventListener("click", async () => {
        try {
          edited((await api.personCover(d.person.id, f.id)).label);
        } catch (err) {
          reportError(err as ApiError);
        }
      });
      return h("div", { class: `face-tile ${f.provenance ?? ""}`, role: "listitem", "data-testid": "face-tile" },
        h("img", { src: thumbUrl("face", f.id), alt: "", loading: "lazy", width: 120, height: 120 }),
        reject, notFace, cover);
    }));
  const review = suggestionsSection(d);
  screen.replaceChildren(
    h("header", { class: "screen-head" },
      back,
      h("h1", { "data-testid": "person-title" }, personTitle(d.person)),
      h("span", { class: "muted" }, personSubtitle(d.person)),
      h("div", { class: "spacer" }),
      hide),
    review ?? "",
    faces,
  );
}

/** "Is this X?": each suggested face with Yes / No, and Yes to all. */
function suggestionsSection(d: PersonDetailDto): HTMLElement | null {
  if (d.suggestions.length === 0 || d.person.name === null) return null;
  const act = async (run: () => Promise<string>): Promise<void> => {
    try {
      edited(await run());
    } catch (err) {
      reportError(err as ApiError);
    }
  };
  const all = h("button", { type: "button", class: "primary small", "data-testid": "suggestions-accept-all" }, "Yes to all");
  all.addEventListener("click", () => void act(async () => (await api.suggestionsAccept(d.suggestions.map((s) => s.face))).label));
  return h("section", { class: "review", "data-testid": "suggestions" },
    h("div", { class: "screen-head" }, h("h2", {}, `Is this ${d.person.name}?`), h("div", { class: "spacer" }), all),
    h("div", { class: "face-grid", role: "list" },
      ...d.suggestions.map((s) => {
        const yes = h("button", { type: "button", class: "secondary small", "data-testid": `suggestion-yes-${s.face}` }, "Yes");
        yes.addEventListener("click", () => void act(async () => (await api.suggestionsAccept([s.face])).label));
        const no = h("button", { type: "button", class: "secondary small", "data-testid": `suggestion-no-${s.face}` }, "No");
        no.addEventListener("click", () => void act(async () => (await api.suggestionsReject([s.face])).map((e) => e.label).join("; ")));
        return h("div", { class: "face-tile suggested", role: "listitem" },
          h("img", { src: thumbUrl("face", s.face), alt: "", loading: "lazy", width: 120, height: 120 }),
          h("div", { class: "yes-no" }, yes, no));
      })),
  );
}
