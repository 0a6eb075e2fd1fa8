// The People page's Unsorted faces view: the faces that belong to nobody yet (people seen
// once, faces below the quality bar, strangers), best quality first, a page at a time ("Show
// more"). Faces are selected like on a person page (click / Space toggles, Shift-click a
// range, Escape clears) and named in bulk — an existing name moves them to that person, a new
// one creates them — or dismissed as "not a face"; each bulk action is one edit with Undo.
//
// The view is an object the People screen keeps while it is mounted: leaving for the grid and
// coming back keeps the selection and how many faces were shown. A refresh (after any edit)
// reconciles the tiles by face id (keyed.ts) and keeps a half-typed name.
import { api, thumbUrl, type ApiError, type PersonDto, type UnsortedDto, type UnsortedFaceDto } from "./api";
import { h } from "./dom";
import { reportError } from "./edits";
import { plural } from "./format";
import { KeyedList } from "./keyed";
import { moveTarget, pruneSelection, toggleFace, type FaceSelection } from "./people-flows";
import { knownNames } from "./people-logic";
import { appendPage, faceHint, faceLabel, moreText, refreshLimit, UNSORTED_PAGE, unsortedCountText } from "./unsorted-logic";

/** What the view needs from the People screen. */
export interface UnsortedHost {
  /** Runs a people edit (one at a time): its label goes to the undo toast. */
  act(run: () => Promise<string>): Promise<void>;
  /** The People | Unsorted switch, as the view's header shows it. */
  tabs: HTMLElement;
}

export class UnsortedView {
  /** The view's one element (kept across refreshes and visits). */
  readonly root: HTMLElement;
  private faces: UnsortedFaceDto[] = [];
  private total = 0;
  private loaded = false;
  private sel: FaceSelection = { selected: new Set(), anchor: null };
  private people: PersonDto[] = [];
  /** Bumped by every fetch: an older answer is dropped. */
  private seq = 0;
  private readonly count: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly tiles: KeyedList<UnsortedFaceDto, number, HTMLElement>;
  private readonly more: HTMLButtonElement;
  private readonly moreNote: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly barCount: HTMLElement;
  private readonly names: HTMLDataListElement;
  private readonly nameInput: HTMLInputElement;
  private readonly selectAll: HTMLButtonElement;

  constructor(private readonly host: UnsortedHost) {
    this.count = h("span", { class: "muted", "data-testid": "unsorted-count" });
    this.selectAll = h("button", { type: "button", class: "secondary small", "data-testid": "unsorted-select-all" }, "Select all");
    this.selectAll.addEventListener("click", () => {
      this.sel = { selected: new Set(this.faces.map((f) => f.id)), anchor: this.sel.anchor };
      this.syncSelection();
    });
    this.grid = h("div", { class: "face-grid unsorted-grid", role: "list", "aria-label": "Unsorted faces", "data-testid": "unsorted-grid" });
    this.wireGrid(this.grid);
    this.tiles = new KeyedList<UnsortedFaceDto, number, HTMLElement>(this.grid, {
      key: (f) => f.id,
      create: (f) => this.tile(f),
      update: (el, f, prev) => this.updateTile(el, f, prev),
    });
    this.names = h("datalist", { id: "unsorted-names" });
    this.nameInput = h("input", {
      type: "text",
      class: "move-input",
      list: "unsorted-names",
      placeholder: "Name… (new or existing)",
      "aria-label": "Name the selected faces (an existing or a new name)",
      autocomplete: "off",
      spellcheck: false,
      "data-testid": "unsorted-name-input",
    });
    this.barCount = h("span", { class: "count", "data-testid": "unsorted-selected-count", "aria-live": "polite" });
    this.bar = this.selectionBar();
    this.more = h("button", { type: "button", class: "secondary small", "data-testid": "unsorted-more" }, "Show more");
    this.more.addEventListener("click", () => void this.showMore());
    this.moreNote = h("span", { class: "muted", "data-testid": "unsorted-more-note" });
    this.empty = h("p", { class: "empty-note", "data-testid": "unsorted-empty", hidden: true },
      "No unsorted faces: every face belongs to someone or was dismissed.");
    this.root = h("div", { class: "unsorted-view", "data-testid": "unsorted-view" },
      // The same head as the People grid's (title, then the switch): switching moves nothing.
      h("header", { class: "screen-head" },
        h("h1", {}, "People"),
        host.tabs,
        this.count,
        h("div", { class: "spacer" }),
        this.selectAll),
      h("p", { class: "muted unsorted-intro" },
        "Faces that belong to nobody yet: people seen once, small or blurry faces, strangers. Select faces to name them, or dismiss what is not a face."),
      this.bar,
      this.names,
      this.empty,
      this.grid,
      h("div", { class: "unsorted-more" }, this.moreNote, this.more));
    this.syncSelection();
  }

  /** How many unsorted faces there are (`null` before the first answer). */
  get totalFaces(): number | null {
    return this.loaded ? this.total : null;
  }

  /** Reloads the faces shown (at least a page) and shows them; `current` says the answer is still wanted. */
  async refresh(people: PersonDto[], current: () => boolean): Promise<void> {
    this.people = people;
    const names = knownNames(people);
    if (names.join("\n") !== [...this.names.options].map((o) => o.value).join("\n")) {
      this.names.replaceChildren(...names.map((n) => h("option", { value: n })));
    }
    const seq = ++this.seq;
    let page: UnsortedDto;
    try {
      page = await api.peopleUnsorted(refreshLimit(this.faces.length), 0);
    } catch (err) {
      reportError(err as ApiError);
      return;
    }
    if (!current() || seq !== this.seq) return;
    this.show(page.faces, page.total);
  }

  /** The next page, after the faces shown. */
  private async showMore(): Promise<void> {
    const seq = ++this.seq;
    this.more.disabled = true;
    try {
      const page = await api.peopleUnsorted(UNSORTED_PAGE, this.faces.length);
      if (seq !== this.seq || !this.root.isConnected) return;
      this.show(appendPage(this.faces, page.faces), page.total);
    } catch (err) {
      reportError(err as ApiError);
    } finally {
      this.more.disabled = false;
    }
  }

  private show(faces: UnsortedFaceDto[], total: number): void {
    this.faces = faces;
    this.total = total;
    this.loaded = true;
    this.sel = pruneSelection(this.sel, faces.map((f) => f.id));
    this.count.textContent = unsortedCountText(total);
    this.empty.hidden = total !== 0;
    this.selectAll.hidden = faces.length === 0;
    this.tiles.reconcile(faces);
    const rest = moreText(faces.length, total);
    this.moreNote.textContent = rest;
    this.more.hidden = rest === "";
    this.grid.dataset.total = String(total);
    this.syncSelection();
  }

  /** The faces' order on the page (for Shift ranges). */
  private order(): number[] {
    return this.faces.map((f) => f.id);
  }

  private tile(f: UnsortedFaceDto): HTMLElement {
    const pick = h("button", {
      type: "button",
      class: "face-pick",
      "aria-pressed": "false",
      "aria-label": faceLabel(f),
      "data-testid": `unsorted-pick-${f.id}`,
    }, h("img", { src: thumbUrl("face", f.id), alt: "", loading: "lazy", decoding: "async", width: 120, height: 120, draggable: "false" }));
    const dismiss = h("button", { type: "button", class: "face-action", title: "Not a face", "aria-label": "Not a face", "data-testid": `unsorted-not-a-face-${f.id}` }, "⊘");
    const el = h("div", { class: "face-tile unsorted-tile", role: "listitem", "data-testid": "unsorted-face", "data-face": f.id, "data-photo": f.photo },
      pick, dismiss);
    this.updateTile(el, f, null);
    return el;
  }

  /** Badge and hint brought up to date in place. */
  private updateTile(el: HTMLElement, f: UnsortedFaceDto, prev: UnsortedFaceDto | null): void {
    if (prev && prev.lowQuality === f.lowQuality && faceHint(prev) === faceHint(f)) return;
    el.classList.toggle("low-quality", f.lowQuality);
    el.querySelector(".face-pick")?.setAttribute("aria-label", faceLabel(f));
    const badge = el.querySelector(".quality-badge");
    if (f.lowQuality && !badge) {
      el.querySelector(".face-pick")?.append(h("span", { class: "quality-badge", title: "Small or blurry: never grouped by itself", "data-testid": "unsorted-low-quality" }, "small/blurry"));
    } else if (!f.lowQuality && badge) {
      badge.remove();
    }
    const hint = faceHint(f);
    let caption = el.querySelector<HTMLElement>(".face-hint");
    if (hint && !caption) {
      caption = h("span", { class: "face-hint", "data-testid": "unsorted-hint" });
      el.append(caption);
    }
    if (caption) {
      if (hint) caption.textContent = hint;
      else caption.remove();
    }
  }

  /** Clicks on the tiles (select, dismiss one) and Escape, for every tile. */
  private wireGrid(grid: HTMLElement): void {
    grid.addEventListener("click", (e) => {
      const t = e.target as Element;
      const tile = t.closest<HTMLElement>(".unsorted-tile");
      if (!tile) return;
      const id = Number(tile.dataset.face);
      if (t.closest(".face-action")) {
        void this.host.act(async () => (await api.facesNotAFace([id], true)).label);
        return;
      }
      if (!t.closest(".face-pick")) return;
      // Ctrl/Cmd-click toggles one face like a plain click; Shift-click selects a range.
      this.sel = toggleFace(this.sel, this.order(), id, e.shiftKey);
      this.syncSelection();
    });
    grid.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.sel.selected.size > 0) {
        this.sel = { selected: new Set(), anchor: null };
        this.syncSelection();
      }
    });
  }

  /** Marks the selected tiles and updates the bar, without redrawing the view. */
  private syncSelection(): void {
    for (const tile of this.grid.querySelectorAll<HTMLElement>(".unsorted-tile")) {
      const on = this.sel.selected.has(Number(tile.dataset.face));
      if (tile.classList.contains("picked") !== on) tile.classList.toggle("picked", on);
      tile.querySelector(".face-pick")?.setAttribute("aria-pressed", String(on));
    }
    const n = this.sel.selected.size;
    this.bar.classList.toggle("empty", n === 0);
    this.bar.setAttribute("aria-hidden", String(n === 0));
    for (const b of this.bar.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input")) b.disabled = n === 0;
    this.barCount.textContent = n === 0
      ? (this.loaded && this.total > 0 ? "Select faces to name or dismiss them" : "")
      : `${plural(n, "face")} selected`;
  }

  /**
   * The bar over the faces: keeps its place while nothing is selected (no layout jump); its
   * controls are disabled then. "Name" moves the selection to the person with that name, or
   * to a new person; "Dismiss" marks it "not a face".
   */
  private selectionBar(): HTMLElement {
    const chosen = (): number[] => this.order().filter((id) => this.sel.selected.has(id));
    const done = (): void => {
      this.sel = { selected: new Set(), anchor: null };
    };
    const name = h("button", { type: "button", class: "primary small", "data-testid": "unsorted-name" }, "Name");
    const runName = (): void => {
      const target = moveTarget(this.people, this.nameInput.value, -1);
      const faces = chosen();
      if (faces.length === 0) return;
      if (!target) {
        reportError({ code: "invalid", message: "Type the name of the person these faces belong to." });
        this.nameInput.focus();
        return;
      }
      void this.host.act(async () => {
        const label = (await api.facesMove(faces, target.to, target.newName)).edit.label;
        done();
        this.nameInput.value = "";
        return label;
      });
    };
    name.addEventListener("click", runName);
    this.nameInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        runName();
      }
    });
    const dismiss = h("button", { type: "button", class: "secondary small", title: "Not a face: they leave this list (Undo brings them back)", "data-testid": "unsorted-dismiss" }, "Dismiss");
    dismiss.addEventListener("click", () => {
      const faces = chosen();
      if (faces.length === 0) return;
      void this.host.act(async () => {
        const label = (await api.facesNotAFace(faces, true)).label;
        done();
        return label;
      });
    });
    const clear = h("button", { type: "button", class: "secondary small", "data-testid": "unsorted-clear" }, "Clear");
    clear.addEventListener("click", () => {
      done();
      this.syncSelection();
    });
    return h("div", { class: "face-selection-bar empty", role: "toolbar", "aria-label": "Selected faces", "data-testid": "unsorted-bar" },
      this.barCount, h("span", { class: "move-to" }, this.nameInput, name), dismiss, clear);
  }
}
