// Search: photos with one or several people (all of them together), optional date range.
// A `SearchScreen` owns the choice (people, dates); a refresh (edits, live mode) updates the
// person chips and the results by key, so the date fields and the focus stay as they were.
import { api, thumbUrl, type ApiError, type PersonDto, type PhotoHitDto } from "./api";
import { h } from "./dom";
import { reportError } from "./edits";
import { formatTakenAt, plural } from "./format";
import { KeyedList } from "./keyed";
import { sortPeople } from "./people-logic";
import { Scope, type Screen } from "./screen";
import { closeViewer, openViewer, viewerIsOpen, type PhotoSequence } from "./viewer";

const LIMIT = 500;

export function mountSearch(el: HTMLElement): Screen {
  return new SearchScreen(el);
}

class SearchScreen implements Screen {
  private readonly scope = new Scope();
  private readonly chosen = new Set<number>();
  private readonly range = { from: "", to: "" };
  private hits: PhotoHitDto[] = [];
  private built: {
    empty: HTMLElement;
    chipBox: HTMLElement;
    chips: KeyedList<PersonDto, number, HTMLButtonElement>;
    count: HTMLElement;
    tiles: KeyedList<PhotoHitDto, number, HTMLElement>;
  } | null = null;
  private generation = 0;

  constructor(private readonly el: HTMLElement) {}

  unmount(): void {
    this.scope.dispose();
    if (viewerIsOpen()) closeViewer(false);
  }

  private get alive(): boolean {
    return this.scope.alive && this.el.isConnected && this.el.dataset.screen === "search";
  }

  async refresh(): Promise<void> {
    if (!this.alive) return;
    let people: PersonDto[];
    try {
      people = sortPeople(await api.peopleOverview(false)).filter((p) => p.name !== null);
    } catch (err) {
      reportError(err as ApiError);
      return;
    }
    if (!this.alive) return;
    for (const id of [...this.chosen]) if (!people.some((p) => p.id === id)) this.chosen.delete(id);
    const b = this.built ?? this.build();
    b.empty.hidden = people.length !== 0;
    b.chipBox.hidden = people.length === 0;
    b.chips.reconcile(people);
    await this.search();
  }

  private build(): NonNullable<SearchScreen["built"]> {
    const chipBox = h("div", { class: "chips", role: "group", "aria-label": "People in the photo" });
    const chips = new KeyedList<PersonDto, number, HTMLButtonElement>(chipBox, {
      key: (p) => p.id,
      create: (p) => {
        const b = h("button", { type: "button", class: "chip", "aria-pressed": this.chosen.has(p.id) ? "true" : "false", "data-testid": `search-person-${p.id}` }, p.name ?? "");
        b.addEventListener("click", () => {
          if (this.chosen.has(p.id)) this.chosen.delete(p.id);
          else this.chosen.add(p.id);
          b.setAttribute("aria-pressed", this.chosen.has(p.id) ? "true" : "false");
          void this.search();
        });
        return b;
      },
      update: (b, p) => {
        if (b.textContent !== p.name) b.textContent = p.name ?? "";
        b.setAttribute("aria-pressed", this.chosen.has(p.id) ? "true" : "false");
      },
    });
    const date = (key: "from" | "to", label: string): HTMLElement => {
      const input = h("input", { type: "date", value: this.range[key], "aria-label": label, "data-testid": `search-${key}` });
      input.addEventListener("change", () => {
        this.range[key] = input.value;
        void this.search();
      });
      return h("label", { class: "date-field" }, label, input);
    };
    const count = h("p", { class: "muted", "data-testid": "search-count" }, "Choose one or more people.");
    const grid = h("div", { class: "photo-grid", role: "list" });
    const tiles = new KeyedList<PhotoHitDto, number, HTMLElement>(grid, {
      key: (p) => p.id,
      create: (p) => {
        const tile = h("figure", { class: "photo-tile", role: "listitem", tabindex: "0", "data-testid": "search-hit", "data-photo": String(p.id), title: p.path },
          h("img", { src: thumbUrl("photo", p.id), alt: "", loading: "lazy" }),
          h("figcaption", {}, formatTakenAt(p.takenAt)));
        const open = (): void => openViewer(this.sequence(), Number(tile.dataset.index));
        tile.addEventListener("click", open);
        tile.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            open();
          }
        });
        return tile;
      },
      update: (tile, p) => {
        tile.title = p.path;
        const cap = tile.querySelector("figcaption");
        if (cap) cap.textContent = formatTakenAt(p.takenAt);
      },
    });
    const empty = h("p", { class: "empty-note" }, "Name some people first: search finds photos of named people.");
    this.el.replaceChildren(
      h("header", { class: "screen-head" }, h("h1", {}, "Search")),
      empty,
      chipBox,
      h("div", { class: "date-range" }, date("from", "From"), date("to", "To")),
      h("div", { class: "search-results", "data-testid": "search-results", "aria-live": "polite" }, count, grid),
    );
    this.built = { empty, chipBox, chips, count, tiles };
    return this.built;
  }

  /** The viewer walks these results (←/→) and gives the focus back to the tile it closed on. */
  private sequence(): PhotoSequence {
    const hits = this.hits;
    return {
      total: () => hits.length,
      at: (index) => Promise.resolve(hits[index] ?? null),
      shown: () => {},
      closed: (index) => this.built?.tiles.node(hits[index]?.id ?? -1)?.focus(),
    };
  }

  private async search(): Promise<void> {
    const b = this.built;
    if (!b) return;
    const generation = ++this.generation;
    if (this.chosen.size === 0) {
      this.show([], "Choose one or more people.");
      return;
    }
    try {
      const hits = await api.photosSearch([...this.chosen], this.range.from || null, this.range.to || null, LIMIT);
      if (!this.alive || generation !== this.generation) return;
      const count =
        hits.length === 0
          ? this.chosen.size > 1
            ? "No photos with all of them together."
            : "No photos."
          : plural(hits.length, "photo") + (hits.length === LIMIT ? " (the newest)" : "");
      this.show(hits, count);
    } catch (err) {
      reportError(err as ApiError);
    }
  }

  private show(hits: PhotoHitDto[], count: string): void {
    const b = this.built;
    if (!b) return;
    this.hits = hits;
    b.count.textContent = count;
    b.tiles.reconcile(hits);
    hits.forEach((p, i) => {
      const tile = b.tiles.node(p.id);
      if (!tile) return;
      tile.dataset.index = String(i);
      tile.setAttribute("aria-label", `Open photo ${i + 1} of ${hits.length}`);
    });
  }
}
