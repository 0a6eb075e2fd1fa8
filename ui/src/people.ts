// The People page: a card per named person and unnamed cluster (cover face, count), biggest
// first; inline naming with autocomplete (a taken name merges, as the engine's `name` does);
// multi-select to merge or hide; drag a card's face onto another card to merge the two. The
// grid is painted in chunks (a screenful at once, the next as the view comes near the end) and
// cards off screen skip layout and paint (`content-visibility`), so 5,000 clusters stay smooth.
// The person page: their faces, selectable (click / Space, Shift-click for a range) to say
// "not this person", "not a face" or move them to someone else; and the "Is this X?" review
// of suggestions with Y / N / A and ← / → (J / K). Every edit goes through `edited` (undo).
// Above the grid, "Are these the same person?" asks about pairs of people whose faces look
// alike (Same person = one merge; Not the same = never asked again); the People | Unsorted
// switch shows the faces in no person (unsorted.ts).
//
// The screen is a `PeopleScreen` object made on mount (see screen.ts): its state, its document
// listener (the review keys) and its observer go away on unmount. A refresh (edit, undo, live
// mode) is keyed (keyed.ts): cards are reused by person id and updated in place — a name field
// being typed in keeps its text and the focus — new cards are inserted, gone ones removed; the
// person page likewise keys its faces, suggestions and photos by id.
import { api, thumbUrl, type ApiError, type FaceDto, type MergeSuggestionDto, type PersonDetailDto, type PersonDto, type PhotoHitDto, type SuggestionDto } from "./api";
import { h } from "./dom";
import { formatTakenAt, personSubtitle, personTitle, plural } from "./format";
import { fieldValue, KeyedList } from "./keyed";
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
import { Scope, type Screen } from "./screen";
import { UnsortedView } from "./unsorted";
import { MERGE_LIMIT, mergeKey, mergeQuestion, mergeSide, unsortedTabCount } from "./unsorted-logic";

/** Makes the People screen in `into` (call `refresh` to load it). */
export function mountPeople(into: HTMLElement): Screen {
  return new PeopleScreen(into);
}

/** The People grid's elements, made once when the grid is shown (kept across refreshes). */
interface GridView {
  root: HTMLElement[];
  count: HTMLElement;
  hint: HTMLElement;
  slot: HTMLElement;
  names: HTMLDataListElement;
  empty: HTMLElement;
  grid: HTMLElement;
  end: HTMLElement;
  cards: KeyedList<PersonDto, number, HTMLElement>;
  /** "Are these the same person?" (hidden while there is no question). */
  merges: HTMLElement;
  mergeList: KeyedList<MergeSuggestionDto, string, HTMLElement>;
  tabs: Tabs;
  /** The filtered people, and how many of them have cards (chunks). */
  list: PersonDto[];
  shown: number;
  more: IntersectionObserver | null;
}

/** One person's page, made when it opens (kept across refreshes of the same person). */
interface PersonView {
  id: number;
  title: HTMLElement;
  subtitle: HTMLElement;
  hide: HTMLButtonElement;
  all: HTMLButtonElement;
  views: HTMLButtonElement[];
  moveNames: HTMLDataListElement;
  review: HTMLElement;
  reviewTitle: HTMLElement;
  reviewCount: HTMLElement;
  suggestions: KeyedList<SuggestionItem, number, HTMLElement>;
  bar: HTMLElement;
  faces: HTMLElement;
  faceTiles: KeyedList<FaceDto, number, HTMLElement>;
  more: HTMLElement;
  photosPart: HTMLElement;
  photos: KeyedList<PhotoHitDto, number, HTMLElement>;
  photosNote: HTMLElement;
  facesPart: HTMLElement;
}

/** The People | Unsorted faces switch (one per view's header). */
interface Tabs {
  el: HTMLElement;
  count: HTMLElement;
}

interface SuggestionItem {
  s: SuggestionDto;
  index: number;
  count: number;
  name: string;
}

class PeopleScreen implements Screen {
  private readonly scope = new Scope();
  private people: PersonDto[] = [];
  private byId = new Map<number, PersonDto>();
  private selected = new Set<number>();
  private showHidden = false;
  private filter = "";
  private open: number | null = null;
  /** The person the user clicked, until their page is shown. */
  private opening: number | null = null;
  private detail: PersonDetailDto | null = null;
  private faces: FaceSelection = { selected: new Set(), anchor: null };
  /** The suggestion the review keys act on, and whether the keyboard drives the review. */
  private reviewIndex = 0;
  private reviewByKeys = false;
  /** The person page shows their faces (to correct) or their photos. */
  private view: "faces" | "photos" = "faces";
  /** The person being dragged (dragover cannot read the DataTransfer's data). */
  private dragging: number | null = null;
  /** One people request at a time from the keyboard (key repeat). */
  private busy = false;
  /** The grid's scroll position while a person page is open (given back on "← People"). */
  private gridScroll = 0;
  /** Bumped by every refresh: an older refresh's late answer is dropped. */
  private generation = 0;
  private gridView: GridView | null = null;
  private personView: PersonView | null = null;
  /** The grid (with the person pages) or the Unsorted faces view. */
  private mode: "people" | "unsorted" = "people";
  /** The Unsorted view, kept while the screen is mounted (its selection and pages stay). */
  private unsorted: UnsortedView | null = null;
  private unsortedTabs: Tabs | null = null;
  /** The last answers for the grid's extras (shown at once when the grid is rebuilt). */
  private merges: MergeSuggestionDto[] = [];
  private unsortedTotal: number | null = null;
  /** The extras' fetch: running, and whether a refresh asked for another one meanwhile. */
  private readonly extras = { running: false, again: false };
  /** The name each field asked to save (Enter, then the blur's change, save once). */
  private readonly committed = new WeakMap<HTMLInputElement, string>();
  /** The catalog's name a refresh last put in each name field. */
  private readonly shownName = new WeakMap<HTMLInputElement, string>();

  constructor(private readonly screen: HTMLElement) {
    this.scope.listen<KeyboardEvent>(document, "keydown", (e) => this.onReviewKey(e));
  }

  unmount(): void {
    this.scope.dispose();
    this.gridView?.more?.disconnect();
  }

  private get alive(): boolean {
    return this.scope.alive && this.screen.isConnected && this.screen.dataset.screen === "people";
  }

  /** Reloads from the catalog and shows it, keyed (see the file's head). */
  async refresh(): Promise<void> {
    if (!this.alive) return;
    const generation = ++this.generation;
    let people: PersonDto[];
    try {
      people = await api.peopleOverview(this.showHidden);
    } catch (err) {
      reportError(err as ApiError);
      return;
    }
    if (!this.alive || generation !== this.generation) return;
    this.setPeople(people);
    for (const id of [...this.selected]) if (!this.byId.has(id)) this.selected.delete(id);
    if (this.mode === "unsorted") {
      await this.renderUnsorted(generation);
      return;
    }
    // A person page being opened (its detail on the way) or shown stays so.
    const want = this.opening ?? this.open;
    if (want !== null && this.byId.has(want)) {
      await this.openPerson(want, generation);
      return;
    }
    this.opening = null;
    this.open = null;
    this.detail = null;
    this.renderGrid();
    // The merge questions and the unsorted count come after the cards (never delaying them).
    void this.loadGridExtras();
  }

  private setPeople(people: PersonDto[]): void {
    this.people = sortPeople(people);
    this.byId = new Map(this.people.map((p) => [p.id, p]));
  }

  // ---- the grid -----------------------------------------------------------------------------

  private renderGrid(): void {
    const scroller = this.screen.closest<HTMLElement>(".content");
    let g = this.gridView;
    if (!g) {
      g = this.buildGrid();
      this.gridView = g;
      this.personView = null;
      this.screen.replaceChildren(...g.root);
      if (scroller) scroller.scrollTop = this.gridScroll;
    }
    g.count.textContent = plural(this.people.length, "person", "people");
    g.hint.hidden = this.people.length === 0;
    g.empty.hidden = this.people.length !== 0;
    this.syncSelectionBar();
    const names = knownNames(this.people);
    if (names.join("\n") !== [...g.names.options].map((o) => o.value).join("\n")) {
      g.names.replaceChildren(...names.map((n) => h("option", { value: n })));
    }
    this.showMerges(g);
    g.tabs.count.textContent = unsortedTabCount(this.unsortedTotal);
    this.paintGrid(false);
  }

  /**
   * Fetches the merge questions and the unsorted count, then shows them on the grid (if it is
   * shown). One fetch at a time: refreshes that come meanwhile (quick edits) ask for one more
   * fetch after it, never a pile of them (the questions read every listed face's embedding).
   */
  private async loadGridExtras(): Promise<void> {
    if (this.extras.running) {
      this.extras.again = true;
      return;
    }
    this.extras.running = true;
    try {
      do {
        this.extras.again = false;
        let merges: MergeSuggestionDto[];
        let total: number;
        try {
          [merges, total] = await Promise.all([
            api.peopleMergeSuggestions(MERGE_LIMIT),
            api.peopleUnsorted(0, 0).then((u) => u.total),
          ]);
        } catch (err) {
          reportError(err as ApiError);
          return;
        }
        if (!this.alive) return;
        this.merges = merges;
        this.unsortedTotal = total;
        const g = this.gridView;
        if (g) {
          this.showMerges(g);
          g.tabs.count.textContent = unsortedTabCount(total);
        }
      } while (this.extras.again);
    } finally {
      this.extras.running = false;
    }
  }

  private showMerges(g: GridView): void {
    // Only pairs of people the grid still has (an edit may have merged one away since).
    const shown = this.merges.filter((m) => this.byId.has(m.from.id) && this.byId.has(m.into.id));
    g.mergeList.reconcile(shown);
    g.merges.hidden = shown.length === 0;
  }

  /** The People | Unsorted faces switch. */
  private tabs(active: "people" | "unsorted"): Tabs {
    const count = h("span", { class: "tab-count", "data-testid": "unsorted-tab-count" }, unsortedTabCount(this.unsortedTotal));
    const people = h("button", { type: "button", class: "secondary small", "aria-pressed": String(active === "people"), "data-testid": "people-tab" }, "People");
    people.addEventListener("click", () => {
      if (this.mode !== "people") this.showGrid();
    });
    const unsorted = h("button", { type: "button", class: "secondary small", "aria-pressed": String(active === "unsorted"), "data-testid": "unsorted-tab" }, "Unsorted faces", count);
    unsorted.addEventListener("click", () => {
      if (this.mode !== "unsorted") void this.showUnsorted();
    });
    return { el: h("div", { class: "view-switch", role: "group", "aria-label": "Show" }, people, unsorted), count };
  }

  /** A merge question: both people's cover faces (each opens the person), names, counts. */
  private mergeCard(m: MergeSuggestionDto): HTMLElement {
    const yes = h("button", { type: "button", class: "primary small", "data-testid": "merge-yes" }, "Same person");
    yes.addEventListener("click", () => {
      void this.act(async () => (await api.peopleMerge([m.from.id], m.into.id)).label);
    });
    const no = h("button", { type: "button", class: "secondary small", "data-testid": "merge-no" }, "Not the same");
    no.addEventListener("click", () => {
      void this.act(async () => (await api.peopleNotSame([[m.from.id, m.into.id]])).label);
    });
    const el = h("div", { class: "merge-suggestion", role: "listitem", "aria-label": mergeQuestion(m), "data-testid": "merge-suggestion", "data-from": m.from.id, "data-into": m.into.id },
      h("div", { class: "merge-pair" },
        this.mergePerson(m.from, "from"),
        h("span", { class: "merge-mark", "aria-hidden": "true" }, "?"),
        this.mergePerson(m.into, "into")),
      h("div", { class: "yes-no" }, yes, no));
    return el;
  }

  private mergePerson(p: PersonDto, side: "from" | "into"): HTMLElement {
    const { title, sub } = mergeSide(p);
    const open = h("button", { type: "button", class: "merge-person", title: `Open ${title}`, "data-testid": `merge-open-${side}`, "data-side": side },
      mergeCover(p),
      h("span", { class: `merge-name${p.name === null ? " unnamed" : ""}` }, title),
      h("span", { class: "merge-sub" }, sub));
    open.addEventListener("click", () => {
      const card = open.closest<HTMLElement>(".merge-suggestion");
      const id = Number(card?.dataset[side]);
      if (this.byId.has(id)) void this.showPerson(id);
    });
    return open;
  }

  /** A kept question brought up to date (names and counts may have changed). */
  private updateMergeCard(el: HTMLElement, m: MergeSuggestionDto, prev: MergeSuggestionDto): void {
    el.setAttribute("aria-label", mergeQuestion(m));
    for (const side of ["from", "into"] as const) {
      const p = m[side];
      const q = prev[side];
      if (p.name === q.name && p.photos === q.photos && p.coverFace === q.coverFace) continue;
      el.querySelector(`[data-side="${side}"]`)?.replaceWith(this.mergePerson(p, side));
    }
  }

  /** Back to the grid from the Unsorted view. */
  private showGrid(): void {
    this.mode = "people";
    this.gridView = null;
    this.renderGrid();
    void this.refresh();
  }

  /** The Unsorted faces view (from the switch). */
  private async showUnsorted(): Promise<void> {
    if (this.gridView) this.gridScroll = this.screen.closest<HTMLElement>(".content")?.scrollTop ?? 0;
    this.mode = "unsorted";
    await this.renderUnsorted(++this.generation);
  }

  private async renderUnsorted(generation: number): Promise<void> {
    this.opening = null;
    this.open = null;
    this.detail = null;
    this.personView = null;
    this.gridView?.more?.disconnect();
    this.gridView = null;
    if (!this.unsorted) {
      this.unsortedTabs = this.tabs("unsorted");
      this.unsorted = new UnsortedView({ act: (run) => this.act(run), tabs: this.unsortedTabs.el });
    }
    const u = this.unsorted;
    if (!u.root.isConnected) {
      this.screen.replaceChildren(u.root);
      const scroller = this.screen.closest<HTMLElement>(".content");
      if (scroller) scroller.scrollTop = 0;
    }
    await u.refresh(this.people, () => this.alive && generation === this.generation && this.mode === "unsorted");
    if (this.unsortedTabs && this.alive && generation === this.generation) {
      this.unsortedTabs.count.textContent = unsortedTabCount(u.totalFaces);
      this.unsortedTotal = u.totalFaces;
    }
  }

  private buildGrid(): GridView {
    const filter = h("input", { type: "search", class: "filter", placeholder: "Filter by name", "aria-label": "Filter people by name", "data-testid": "people-filter", value: this.filter });
    filter.addEventListener("input", () => {
      this.filter = filter.value;
      this.paintGrid(true);
    });
    const hidden = h("input", { type: "checkbox", "data-testid": "show-hidden" });
    hidden.checked = this.showHidden;
    hidden.addEventListener("change", () => {
      this.showHidden = hidden.checked;
      void this.refresh();
    });
    const grid = h("div", { class: "people-grid", role: "list", "data-testid": "people-grid" });
    this.wireGrid(grid);
    const count = h("span", { class: "muted", "data-testid": "people-count" });
    const hint = h("p", { class: "muted drag-hint" }, "Drag a face onto another person to merge them, or select several and Merge.");
    // The bar and the hint share one place: the bar covers the hint while people are selected.
    const slot = h("div", { class: "people-bar-slot" }, hint, h("div", { class: "selection-bar", "data-testid": "selection-bar", hidden: true }));
    const names = h("datalist", { id: "known-names" });
    const empty = h("p", { class: "empty-note", "data-testid": "people-empty" }, "Nobody yet. People appear here once indexing has found faces.");
    const tabs = this.tabs("people");
    const mergeList = h("div", { class: "merge-list", role: "list" });
    const merges = h("section", { class: "merge-suggestions", "aria-label": "Are these the same person?", "data-testid": "merge-suggestions", hidden: true },
      h("div", { class: "merge-head" },
        h("h2", {}, "Are these the same person?"),
        h("span", { class: "muted" }, "“Same person” merges the two (Undo brings them back); “Not the same” is never asked again.")),
      mergeList);
    const mergeCards = new KeyedList<MergeSuggestionDto, string, HTMLElement>(mergeList, {
      key: mergeKey,
      create: (m) => this.mergeCard(m),
      update: (el, m, prev) => this.updateMergeCard(el, m, prev),
    });
    const end = h("div", { class: "grid-end", "aria-hidden": "true" });
    const cards = new KeyedList<PersonDto, number, HTMLElement>(grid, {
      key: (p) => p.id,
      create: (p) => this.card(p),
      update: (el, p, prev) => this.updateCard(el, p, prev),
    });
    return {
      root: [
        h("header", { class: "screen-head" },
          h("h1", {}, "People"),
          tabs.el,
          count,
          h("div", { class: "spacer" }),
          filter,
          h("label", { class: "check" }, hidden, "Show hidden")),
        merges,
        slot,
        names,
        empty,
        grid,
        end,
      ],
      merges,
      mergeList: mergeCards,
      tabs,
      count,
      hint,
      slot,
      names,
      empty,
      grid,
      end,
      cards,
      list: [],
      shown: 0,
      more: null,
    };
  }

  /**
   * Shows the filtered people's cards, keyed: the first chunk at once (a small library is
   * complete in the first paint), the next ones when the end of the grid comes within 1,500 px
   * of the scrolled view (so nothing is laid out or decoded for cards nobody scrolled to). A
   * refresh keeps as many cards as were shown (the scroll position stays); a new filter starts
   * from the first chunk. `data-people-ready` is set on the document once the first cards have
   * been painted (the People page benchmark waits for it), `data-complete` on the grid once
   * every card is there.
   */
  private paintGrid(reset: boolean): void {
    const g = this.gridView;
    if (!g) return;
    g.list = filterPeople(this.people, this.filter);
    const chunks = chunkRanges(g.list.length);
    const first = chunks.length > 0 ? chunks[0][1] : 0;
    g.shown = reset ? first : Math.min(g.list.length, Math.max(g.shown, first));
    g.grid.classList.toggle("large", chunks.length > 1);
    this.showCards(g);
    this.scope.frame(() =>
      this.scope.frame(() => {
        document.documentElement.dataset.peopleReady = "1";
      }),
    );
  }

  private showCards(g: GridView): void {
    g.cards.reconcile(g.shown >= g.list.length ? g.list : g.list.slice(0, g.shown));
    const complete = g.shown >= g.list.length;
    g.end.hidden = complete;
    if (complete) {
      g.grid.dataset.complete = "1";
      g.more?.disconnect();
      g.more = null;
      return;
    }
    delete g.grid.dataset.complete;
    if (!g.more) {
      const observer = new IntersectionObserver(
        (entries) => {
          if (!entries.some((e) => e.isIntersecting) || this.gridView !== g) return;
          const next = chunkRanges(g.list.length).find(([a]) => a >= g.shown);
          g.shown = next ? next[1] : g.list.length;
          this.showCards(g);
          // Still near after this chunk? Observing again reports the current state.
          if (g.more === observer) {
            observer.unobserve(g.end);
            observer.observe(g.end);
          }
        },
        { root: g.grid.closest(".content"), rootMargin: "1500px 0px" },
      );
      g.more = this.scope.observer(observer);
      observer.observe(g.end);
    }
  }

  private syncSelectionBar(): void {
    const old = this.screen.querySelector('[data-testid="selection-bar"]');
    if (old) old.replaceWith(this.selectionBar());
  }

  private selectionBar(): HTMLElement {
    const n = this.selected.size;
    const bar = h("div", { class: "selection-bar", "data-testid": "selection-bar", hidden: n === 0 });
    if (n === 0) return bar;
    const merge = h("button", { type: "button", class: "primary small", "data-testid": "merge-selected" }, "Merge");
    merge.disabled = n < 2;
    merge.addEventListener("click", () => void this.mergeSelected());
    const hide = h("button", { type: "button", class: "secondary small", "data-testid": "hide-selected" }, this.showHidden ? "Hide / unhide" : "Hide");
    hide.addEventListener("click", () => void this.hideSelected());
    const clear = h("button", { type: "button", class: "secondary small", "data-testid": "clear-selection" }, "Clear");
    clear.addEventListener("click", () => {
      this.selected.clear();
      this.syncSelectionBar();
      for (const c of this.screen.querySelectorAll<HTMLElement>(".person-card.selected")) {
        c.classList.remove("selected");
        const box = c.querySelector<HTMLInputElement>("input.select");
        if (box) box.checked = false;
      }
    });
    bar.append(h("span", { "data-testid": "selected-count" }, `${n} selected`), merge, hide, clear);
    return bar;
  }

  private cardClass(p: PersonDto): string {
    return `person-card${p.name === null ? " unnamed" : ""}${p.hidden ? " hidden-person" : ""}${this.selected.has(p.id) ? " selected" : ""}`;
  }

  /** A card: no listeners of its own (the grid delegates), so thousands stay cheap. */
  private card(p: PersonDto): HTMLElement {
    const title = personTitle(p);
    const select = h("input", { type: "checkbox", class: "select", "aria-label": `Select ${title}`, "data-testid": `person-select-${p.id}` });
    select.checked = this.selected.has(p.id);
    const open = h("button", {
      type: "button",
      class: "cover-button",
      draggable: "true",
      title: "Open — or drag onto another person to merge",
      "aria-label": `Open ${title}`,
      "data-testid": `person-open-${p.id}`,
    }, cover(p));
    const el = h(
      "div",
      { class: this.cardClass(p), role: "listitem", "data-testid": "person-card", "data-person": p.id },
      open,
      select,
      nameField(p),
      h("span", { class: "person-sub", "data-testid": "person-sub" }, personSubtitle(p)),
    );
    if (p.hidden) el.append(h("span", { class: "badge" }, "hidden"));
    return el;
  }

  /** The card of `p` (was `prev`) brought up to date in place; a field being typed in stays. */
  private updateCard(el: HTMLElement, p: PersonDto, prev: PersonDto): void {
    const cls = this.cardClass(p);
    if (el.className.replace(/ (dragging|drop-target)/g, "") !== cls) {
      const keep = ["dragging", "drop-target"].filter((c) => el.classList.contains(c));
      el.className = cls;
      el.classList.add(...keep);
    }
    const select = el.querySelector<HTMLInputElement>("input.select");
    if (select) select.checked = this.selected.has(p.id);
    if (p.name !== prev.name) {
      const title = personTitle(p);
      select?.setAttribute("aria-label", `Select ${title}`);
      el.querySelector(".cover-button")?.setAttribute("aria-label", `Open ${title}`);
    }
    const input = el.querySelector<HTMLInputElement>("input.name-input");
    if (input) {
      // What a refresh last put in the field: anything else there is the user's, unsaved.
      const shown = this.shownName.get(input) ?? prev.name ?? "";
      const next = p.name ?? "";
      const value = fieldValue(input.value, shown, next, document.activeElement === input);
      if (value === next) this.shownName.set(input, next);
      if (value !== input.value) input.value = value;
      input.setAttribute("aria-label", p.name === null ? "Name this person" : `Rename ${p.name}`);
    }
    if (p.coverFace !== prev.coverFace) el.querySelector(".cover")?.replaceWith(cover(p));
    const sub = el.querySelector('[data-testid="person-sub"]');
    const text = personSubtitle(p);
    if (sub && sub.textContent !== text) sub.textContent = text;
    const badge = el.querySelector(".badge");
    if (p.hidden && !badge) el.append(h("span", { class: "badge" }, "hidden"));
    else if (!p.hidden && badge) badge.remove();
  }

  private personOf(el: EventTarget | null): PersonDto | null {
    const c = el instanceof Element ? el.closest<HTMLElement>(".person-card") : null;
    return c ? this.byId.get(Number(c.dataset.person)) ?? null : null;
  }

  private async commitName(input: HTMLInputElement, p: PersonDto): Promise<boolean> {
    const name = input.value.trim();
    if (name === "" || name === p.name || this.committed.get(input) === name) return false;
    this.committed.set(input, name);
    try {
      // A name someone else has merges the two: the edit's label says so.
      edited((await api.personName(p.id, name)).edit.label);
      return true;
    } catch (err) {
      this.committed.delete(input);
      reportError(err as ApiError);
      return false;
    }
  }

  /** The grid's listeners: open, select, name, drag and drop, for every card. */
  private wireGrid(grid: HTMLElement): void {
    grid.addEventListener("click", (e) => {
      const open = (e.target as Element).closest(".cover-button");
      const p = this.personOf(open);
      if (open && p) void this.showPerson(p.id);
    });
    grid.addEventListener("change", (e) => {
      const t = e.target as HTMLInputElement;
      const p = this.personOf(t);
      if (!p) return;
      if (t.classList.contains("select")) {
        if (t.checked) this.selected.add(p.id);
        else this.selected.delete(p.id);
        this.syncSelectionBar();
        t.closest(".person-card")?.classList.toggle("selected", t.checked);
      } else if (t.classList.contains("name-input")) {
        void this.commitName(t, p);
      }
    });
    grid.addEventListener("keydown", (e) => {
      const t = e.target as HTMLInputElement;
      if (!t.classList.contains("name-input")) return;
      const p = this.personOf(t);
      if (!p) return;
      if (e.key === "Enter") {
        e.preventDefault();
        // Named: the field is done (its card stays, so the focus leaves it).
        void this.commitName(t, p).then((saved) => {
          if (saved && document.activeElement === t) t.blur();
        });
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
      const p = this.personOf(e.target);
      if (!p || !(e.target as Element).closest(".cover-button")) return;
      this.dragging = p.id;
      e.dataTransfer?.setData("application/x-likeness-person", String(p.id));
      e.dataTransfer?.setData("text/plain", personTitle(p));
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
      (e.target as Element).closest(".person-card")?.classList.add("dragging");
    });
    grid.addEventListener("dragover", (e) => {
      const target = this.personOf(e.target);
      if (this.dragging === null || !target || target.id === this.dragging) return;
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
      const target = this.personOf(e.target);
      const raw = e.dataTransfer?.getData("application/x-likeness-person");
      const sourceId = raw ? Number(raw) : this.dragging;
      const source = sourceId !== null ? this.byId.get(sourceId) : undefined;
      clearTargets();
      this.dragging = null;
      if (!target || !source) return;
      e.preventDefault();
      const plan = dropPlan(source, target);
      if (plan) void this.merge(plan.from, plan.into);
    });
    grid.addEventListener("dragend", () => {
      this.dragging = null;
      clearTargets();
      for (const c of grid.querySelectorAll(".dragging")) c.classList.remove("dragging");
    });
  }

  private async merge(from: number[], into: number): Promise<void> {
    try {
      const edit = await api.peopleMerge(from, into);
      for (const id of from) this.selected.delete(id);
      edited(edit.label);
    } catch (err) {
      reportError(err as ApiError);
    }
  }

  private async mergeSelected(): Promise<void> {
    const plan = mergePlan(this.people.filter((p) => this.selected.has(p.id)));
    if (!plan) return;
    this.selected.clear();
    await this.merge(plan.from, plan.into);
  }

  private async hideSelected(): Promise<void> {
    const chosen = this.people.filter((p) => this.selected.has(p.id));
    if (chosen.length === 0) return;
    // One call, one edit: a single Ctrl+Z brings them all back. A selection of hidden people
    // is shown again; any other selection is hidden.
    const hide = !chosen.every((p) => p.hidden);
    try {
      const done = await api.peopleHide(chosen.map((p) => p.id), hide);
      this.selected.clear();
      edited(done.label);
    } catch (err) {
      reportError(err as ApiError);
    }
  }

  // ---- the person page ----------------------------------------------------------------------

  /** Opens person `id` from the grid. */
  private async showPerson(id: number): Promise<void> {
    this.gridScroll = this.screen.closest<HTMLElement>(".content")?.scrollTop ?? 0;
    this.opening = id;
    await this.openPerson(id, ++this.generation);
  }

  private async openPerson(id: number, generation: number): Promise<void> {
    let detail: PersonDetailDto;
    try {
      detail = await api.personDetail(id, 500);
    } catch (err) {
      if (this.opening === id) this.opening = null;
      reportError(err as ApiError);
      return;
    }
    if (!this.alive || generation !== this.generation) return;
    this.opening = null;
    if (this.open !== id) {
      this.faces = { selected: new Set(), anchor: null };
      this.reviewIndex = 0;
      this.reviewByKeys = false;
      this.view = "faces";
    }
    this.open = id;
    this.detail = detail;
    this.renderPerson(detail);
  }

  private back(): void {
    this.opening = null;
    this.open = null;
    this.detail = null;
    this.personView = null;
    this.gridView?.more?.disconnect();
    this.gridView = null;
    this.renderGrid();
    void this.loadGridExtras();
  }

  /** Runs a people edit: its label goes to the undo toast, a refusal to an error toast. */
  private async act(run: () => Promise<string>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      edited(await run());
    } catch (err) {
      reportError(err as ApiError);
    } finally {
      this.busy = false;
    }
  }

  private renderPerson(d: PersonDetailDto): void {
    let v = this.personView;
    if (!v || v.id !== d.person.id) {
      this.gridView?.more?.disconnect();
      this.gridView = null;
      v = this.buildPerson(d.person.id);
      this.personView = v;
      const scroller = this.screen.closest<HTMLElement>(".content");
      if (scroller) scroller.scrollTop = 0;
    }
    const order = d.faces.map((f) => f.id);
    this.faces = pruneSelection(this.faces, order);
    v.title.textContent = personTitle(d.person);
    v.subtitle.textContent = personSubtitle(d.person);
    v.hide.textContent = d.person.hidden ? "Unhide" : "Hide";
    v.moveNames.replaceChildren(...knownNames(this.people, d.person.id).map((n) => h("option", { value: n })));
    for (const b of v.views) b.setAttribute("aria-pressed", String(b.dataset.view === this.view));
    v.all.hidden = !(this.view === "faces" && d.faces.length > 0);
    v.facesPart.hidden = this.view !== "faces";
    v.photosPart.hidden = this.view !== "photos";
    v.faces.setAttribute("aria-label", `Faces of ${personTitle(d.person)}`);
    v.faceTiles.reconcile(d.faces);
    v.more.hidden = !(d.person.faces > d.faces.length);
    v.more.textContent = `Showing ${plural(d.faces.length, "face")} of ${d.person.faces.toLocaleString("en-US")} (the newest photos first).`;
    // "Is this X?": each suggested face with Yes / No, Yes to all, and keys for all three.
    const name = d.person.name;
    const reviewing = d.suggestions.length > 0 && name !== null;
    // The section is in the page only while there is something to review.
    if (!reviewing) v.review.remove();
    else if (!v.review.isConnected) v.facesPart.prepend(v.review);
    if (reviewing) {
      v.review.setAttribute("aria-label", `Is this ${name}?`);
      v.reviewTitle.textContent = `Is this ${name}?`;
      v.reviewCount.textContent = plural(d.suggestions.length, "face");
    }
    v.suggestions.reconcile(
      reviewing ? d.suggestions.map((s, index) => ({ s, index, count: d.suggestions.length, name })) : [],
    );
    if (this.view === "photos") void this.fillPhotos(v, d.person.id);
    this.syncFaceSelection();
    if (reviewing && this.reviewByKeys) this.focusSuggestion(this.reviewIndex);
  }

  private buildPerson(id: number): PersonView {
    const back = h("button", { type: "button", class: "secondary small", "data-testid": "person-back" }, "← People");
    back.addEventListener("click", () => this.back());
    const hide = h("button", { type: "button", class: "secondary small", "data-testid": "person-hide" }, "Hide");
    hide.addEventListener("click", () => {
      const d = this.detail;
      if (d) void this.act(async () => (await api.peopleHide([d.person.id], !d.person.hidden)).label);
    });
    const all = h("button", { type: "button", class: "secondary small", "data-testid": "faces-select-all" }, "Select all");
    all.addEventListener("click", () => {
      const order = this.detail?.faces.map((f) => f.id) ?? [];
      this.faces = { selected: new Set(order), anchor: this.faces.anchor };
      this.syncFaceSelection();
    });
    const views = (["faces", "photos"] as const).map((which) => {
      const b = h("button", { type: "button", class: "secondary small", "aria-pressed": String(this.view === which), "data-testid": `person-view-${which}`, "data-view": which },
        which === "faces" ? "Faces" : "Photos");
      b.addEventListener("click", () => {
        if (this.view === which || !this.detail) return;
        this.view = which;
        this.renderPerson(this.detail);
      });
      return b;
    });
    const faces = h("div", { class: "face-grid", role: "list", "data-testid": "person-faces" });
    faces.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.faces.selected.size > 0) {
        this.faces = { selected: new Set(), anchor: null };
        this.syncFaceSelection();
      }
    });
    const faceTiles = new KeyedList<FaceDto, number, HTMLElement>(faces, {
      key: (f) => f.id,
      create: (f) => this.faceTile(f),
      update: (el, f) => {
        const cls = `face-tile ${f.provenance ?? ""}`;
        const picked = el.classList.contains("picked");
        if (el.className.replace(/ picked$/, "") !== cls) {
          el.className = cls;
          el.classList.toggle("picked", picked);
        }
        el.dataset.photo = String(f.photo);
      },
    });
    const all_ = h("button", { type: "button", class: "primary small", "data-testid": "suggestions-accept-all" }, "Yes to all");
    all_.addEventListener("click", () => {
      const d = this.detail;
      if (d) void this.act(async () => (await api.suggestionsAccept(d.suggestions.map((s) => s.face))).label);
    });
    const reviewTitle = h("h2", {});
    const reviewCount = h("span", { class: "muted" });
    const reviewGrid = h("div", { class: "face-grid", role: "list" });
    const review = h("section", { class: "review", "data-testid": "suggestions" },
      h("div", { class: "screen-head" }, reviewTitle, reviewCount, h("div", { class: "spacer" }), all_),
      h("p", { class: "review-hint", "data-testid": "review-hint" },
        h("kbd", {}, "Y"), " yes · ", h("kbd", {}, "N"), " no · ", h("kbd", {}, "A"), " yes to all · ",
        h("kbd", {}, "←"), " ", h("kbd", {}, "→"), " (", h("kbd", {}, "J"), " ", h("kbd", {}, "K"), ") move"),
      reviewGrid);
    const suggestions = new KeyedList<SuggestionItem, number, HTMLElement>(reviewGrid, {
      key: (x) => x.s.face,
      create: (x) => this.suggestionTile(x),
      update: (el, x) => this.placeSuggestion(el, x),
    });
    const bar = this.faceSelectionBar();
    const more = h("p", { class: "muted", hidden: true });
    const photosGrid = h("div", { class: "photo-grid", role: "list", "data-testid": "person-photos" });
    const photos = new KeyedList<PhotoHitDto, number, HTMLElement>(photosGrid, {
      key: (p) => p.id,
      create: (p) =>
        h("figure", { class: "photo-tile", role: "listitem", "data-testid": "person-photo", title: p.path },
          h("img", { src: thumbUrl("photo", p.id), alt: "", loading: "lazy", decoding: "async" }),
          h("figcaption", {}, formatTakenAt(p.takenAt))),
      update: (el, p) => {
        el.title = p.path;
        const cap = el.querySelector("figcaption");
        if (cap) cap.textContent = formatTakenAt(p.takenAt);
      },
    });
    const photosNote = h("p", { class: "muted", hidden: true });
    const facesPart = h("div", { class: "person-faces-part" }, bar, faces, more);
    const photosPart = h("div", { class: "person-photos-part", hidden: true }, photosGrid, photosNote);
    const title = h("h1", { "data-testid": "person-title" });
    const subtitle = h("span", { class: "muted" });
    const moveNames = h("datalist", { id: "move-names" });
    this.screen.replaceChildren(
      h("header", { class: "screen-head" }, back, title, subtitle, h("div", { class: "spacer" }), h("div", { class: "view-switch", role: "group", "aria-label": "Show" }, ...views), all, hide),
      moveNames,
      facesPart,
      photosPart,
    );
    return { id, title, subtitle, hide, all, views, moveNames, review, reviewTitle, reviewCount, suggestions, bar, faces, faceTiles, more, photosPart, photos, photosNote, facesPart };
  }

  private faceTile(f: FaceDto): HTMLElement {
    const pick = h("button", {
      type: "button",
      class: "face-pick",
      "aria-pressed": "false",
      "aria-label": "Select this face (Shift: a range)",
      "data-testid": `face-pick-${f.id}`,
    }, h("img", { src: thumbUrl("face", f.id), alt: "", loading: "lazy", decoding: "async", width: 120, height: 120, draggable: "false" }));
    pick.addEventListener("click", (e) => {
      const order = this.detail?.faces.map((x) => x.id) ?? [];
      this.faces = toggleFace(this.faces, order, f.id, e.shiftKey);
      this.syncFaceSelection();
    });
    const person = (): number | null => this.detail?.person.id ?? null;
    const reject = h("button", { type: "button", class: "face-action", title: "Not this person", "aria-label": "Not this person", "data-testid": `face-reject-${f.id}` }, "✕");
    reject.addEventListener("click", () => {
      const id = person();
      if (id !== null) void this.act(async () => (await api.facesReject(id, [f.id])).label);
    });
    const notFace = h("button", { type: "button", class: "face-action second", title: "Not a face", "aria-label": "Not a face", "data-testid": `face-not-a-face-${f.id}` }, "⊘");
    notFace.addEventListener("click", () => void this.act(async () => (await api.facesNotAFace([f.id], true)).label));
    const coverButton = h("button", { type: "button", class: "face-action third", title: "Use as the cover", "aria-label": "Use as the cover", "data-testid": `face-cover-${f.id}` }, "★");
    coverButton.addEventListener("click", () => {
      const id = person();
      if (id !== null) void this.act(async () => (await api.personCover(id, f.id)).label);
    });
    return h("div", { class: `face-tile ${f.provenance ?? ""}`, role: "listitem", "data-testid": "face-tile", "data-face": f.id, "data-photo": f.photo },
      pick, reject, notFace, coverButton);
  }

  private suggestionTile(x: SuggestionItem): HTMLElement {
    const face = x.s.face;
    const index = (): number => Number(tile.dataset.index);
    const yes = h("button", { type: "button", class: "secondary small", tabindex: -1, "data-testid": `suggestion-yes-${face}` }, "Yes");
    yes.addEventListener("click", () => void this.answer(index(), "yes"));
    const no = h("button", { type: "button", class: "secondary small", tabindex: -1, "data-testid": `suggestion-no-${face}` }, "No");
    no.addEventListener("click", () => void this.answer(index(), "no"));
    const tile: HTMLElement = h("div", { class: "face-tile suggested", role: "listitem", "data-testid": `suggestion-${face}` },
      h("img", { src: thumbUrl("face", face), alt: "", loading: "lazy", decoding: "async", width: 120, height: 120 }),
      h("div", { class: "yes-no" }, yes, no));
    tile.addEventListener("focus", () => {
      this.reviewIndex = index();
    });
    this.placeSuggestion(tile, x);
    return tile;
  }

  /** A suggestion's place in the review (its index moves as the ones before it are answered). */
  private placeSuggestion(tile: HTMLElement, x: SuggestionItem): void {
    tile.dataset.index = String(x.index);
    tile.tabIndex = x.index === clampIndex(this.reviewIndex, x.count) ? 0 : -1;
    tile.setAttribute("aria-label", `Suggestion ${x.index + 1} of ${x.count}: is this ${x.name}? Y yes, N no`);
  }

  /** The person's photos, newest first (the same query as Search with one person). */
  private async fillPhotos(v: PersonView, person: number): Promise<void> {
    const limit = 1000;
    try {
      const hits = await api.photosSearch([person], null, null, limit);
      if (!this.alive || this.personView !== v) return;
      v.photos.reconcile(hits);
      v.photosNote.hidden = hits.length !== limit;
      v.photosNote.textContent = `The newest ${plural(limit, "photo")}; Search finds the others by date.`;
    } catch (err) {
      reportError(err as ApiError);
    }
  }

  /** Marks the selected tiles and updates the bar, without redrawing the page. */
  private syncFaceSelection(): void {
    const v = this.personView;
    if (!v) return;
    for (const tile of v.faces.querySelectorAll<HTMLElement>(".face-tile")) {
      const on = this.faces.selected.has(Number(tile.dataset.face));
      tile.classList.toggle("picked", on);
      tile.querySelector(".face-pick")?.setAttribute("aria-pressed", String(on));
    }
    const bar = v.bar;
    const n = this.faces.selected.size;
    bar.classList.toggle("empty", n === 0);
    bar.setAttribute("aria-hidden", String(n === 0));
    for (const b of bar.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input")) b.disabled = n === 0;
    const count = bar.querySelector('[data-testid="faces-selected-count"]');
    if (count) count.textContent = n === 0 ? "Select faces to move them" : `${plural(n, "face")} selected`;
  }

  /**
   * The bar over the faces: its place is kept while nothing is selected (no layout jump), its
   * controls are disabled then. Made once per person page: a name half-typed into "Move to…"
   * survives refreshes.
   */
  private faceSelectionBar(): HTMLElement {
    const chosen = (): number[] => [...this.faces.selected];
    const done = (): void => {
      this.faces = { selected: new Set(), anchor: null };
    };
    const reject = h("button", { type: "button", class: "secondary small", "data-testid": "faces-reject-selected" }, "Not this person");
    reject.addEventListener("click", () => {
      const d = this.detail;
      if (!d) return;
      void this.act(async () => {
        const label = (await api.facesReject(d.person.id, chosen())).label;
        done();
        return label;
      });
    });
    const notFace = h("button", { type: "button", class: "secondary small", "data-testid": "faces-not-a-face-selected" }, "Not a face");
    notFace.addEventListener("click", () =>
      void this.act(async () => {
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
      const d = this.detail;
      if (!d) return;
      const target = moveTarget(this.people, name.value, d.person.id);
      if (!target) {
        reportError({ code: "invalid", message: "Type the name of the person these faces belong to." });
        name.focus();
        return;
      }
      void this.act(async () => {
        const label = (await api.facesMove(chosen(), target.to, target.newName)).edit.label;
        done();
        name.value = "";
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
      this.syncFaceSelection();
    });
    return h("div", { class: "face-selection-bar empty", "data-testid": "face-selection-bar", role: "toolbar", "aria-label": "Selected faces" },
      h("span", { class: "count", "data-testid": "faces-selected-count", "aria-live": "polite" }, ""),
      reject, notFace, h("span", { class: "move-to" }, name, move), clear);
  }

  /** Yes / No on suggestion `index`; the focus stays at that place for the next one. */
  private async answer(index: number, what: "yes" | "no"): Promise<void> {
    const s = this.detail?.suggestions[index];
    if (!s) return;
    this.reviewIndex = index;
    await this.act(async () =>
      what === "yes"
        ? (await api.suggestionsAccept([s.face])).label
        : (await api.suggestionsReject([s.face])).label,
    );
  }

  private focusSuggestion(index: number): void {
    const tiles = this.screen.querySelectorAll<HTMLElement>(".review [data-index]");
    if (tiles.length === 0) return;
    const i = reviewFocus(index, tiles.length, "stay");
    this.reviewIndex = i;
    tiles.forEach((t, j) => (t.tabIndex = j === i ? 0 : -1));
    tiles[i].focus();
  }

  /** Y / N / A / ← → / J K on the person page while it has suggestions (not while typing). */
  private onReviewKey(e: KeyboardEvent): void {
    const d = this.detail;
    if (!this.alive || this.open === null || !d) return;
    if (d.suggestions.length === 0 || d.person.name === null || e.repeat) return;
    const t = e.target as HTMLElement | null;
    const inTextField = !!t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && (t as HTMLInputElement).type !== "checkbox") || t.isContentEditable);
    const action = reviewAction({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, inTextField });
    if (!action) return;
    // The arrows belong to the review only when the focus is in it (or on nothing).
    const inReview = !!t?.closest(".review");
    if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && !inReview && t !== document.body) return;
    e.preventDefault();
    this.reviewByKeys = true;
    const focused = t?.closest<HTMLElement>(".review [data-index]");
    const index = focused ? Number(focused.dataset.index) : clampIndex(this.reviewIndex, d.suggestions.length);
    if (action === "next" || action === "prev") {
      this.focusSuggestion(reviewFocus(index, d.suggestions.length, action));
    } else if (action === "all") {
      void this.act(async () => (await api.suggestionsAccept(d.suggestions.map((s) => s.face))).label);
    } else {
      void this.answer(index, action);
    }
  }
}

function mergeCover(p: PersonDto): HTMLElement {
  return p.coverFace !== null
    ? h("img", { class: "merge-face", src: thumbUrl("face", p.coverFace), alt: "", decoding: "async", width: 96, height: 96, draggable: "false" })
    : h("div", { class: "merge-face placeholder" });
}

function cover(p: PersonDto): HTMLElement {
  return p.coverFace !== null
    ? h("img", { class: "cover", src: thumbUrl("face", p.coverFace), alt: "", loading: "lazy", decoding: "async", width: 160, height: 160, draggable: "false" })
    : h("div", { class: "cover placeholder" });
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

function clampIndex(i: number, n: number): number {
  return Math.max(0, Math.min(i, n - 1));
}
