// Photos: the whole library by date taken, newest first, as a virtualised grid. The layout
// (day headers, square cells) comes from per-day counts, so the total height is exact before
// any photo is loaded; only the visible rows (+ overscan) exist in the DOM, absolutely placed;
// photos arrive by keyset pages as their rows come into view (a small page cache). Click or
// Enter opens the viewer; arrow keys move between tiles.
//
// A `PhotosScreen` (made on mount, see screen.ts) owns the timeline: a refresh keeps the
// place (same counts: the rows in view are fetched again; new counts: relayout anchored on the
// first photo in view); unmount disconnects the resize observer, cancels the pending frame and
// closes the viewer.
import { api, thumbUrl, type ApiError, type PhotoHitDto, type TimelineDayDto, type TimelineFrom } from "./api";
import { h } from "./dom";
import { reportError } from "./edits";
import { formatTakenAt, plural } from "./format";
import { dayLabel, layoutTimeline, moveIndex, pageStart, pagesFor, rowOfPhoto, visibleRows, type Row, type TimelineLayout } from "./timeline-layout";
import { Scope, type Screen } from "./screen";
import { closeViewer, openViewer, reloadViewer, viewerIsOpen, type PhotoSequence } from "./viewer";

const PAGE = 200;
const MAX_PAGES = 40;
const OVERSCAN = 4;

interface Timeline {
  el: HTMLElement;
  scroller: HTMLElement;
  canvas: HTMLElement;
  days: TimelineDayDto[];
  layout: TimelineLayout;
  width: number;
  rows: Map<number, HTMLElement>;
  pages: Map<number, PhotoHitDto[]>;
  loading: Map<number, Promise<void>>;
  generation: number;
  frame: number;
  ready: boolean;
  /** The one tile in the Tab order (roving tabindex); arrows move it. */
  current: number;
  resize: ResizeObserver;
  /** False once replaced or unmounted: its late page answers and frames do nothing. */
  alive: boolean;
}

export function mountPhotos(el: HTMLElement): Screen {
  return new PhotosScreen(el);
}

class PhotosScreen implements Screen {
  private readonly scope = new Scope();
  private t: Timeline | null = null;
  private loaded = false;

  constructor(private readonly el: HTMLElement) {
    this.scope.add(() => this.drop());
  }

  /** The first call shows the screen; later ones refresh it in place. */
  async refresh(): Promise<void> {
    if (!this.scope.alive) return;
    if (!this.loaded) {
      this.loaded = true;
      await this.show();
    } else {
      await this.update();
    }
  }

  unmount(): void {
    this.scope.dispose();
    if (viewerIsOpen()) closeViewer(false);
  }

  private drop(): void {
    const t = this.t;
    if (!t) return;
    t.alive = false;
    t.resize.disconnect();
    if (t.frame) cancelAnimationFrame(t.frame);
    this.t = null;
  }

  /** Shows the Photos screen in its element. */
  private async show(): Promise<void> {
    const el = this.el;
    delete document.documentElement.dataset.timelineReady;
    const days = await fetchDays();
    if (!days) return;
    if (!this.scope.alive || el.dataset.screen !== "photos") return;
    this.drop();
    const total = days.reduce((n, d) => n + d.count, 0);
    const count = h("span", { class: "muted", "data-testid": "timeline-count" }, plural(total, "photo"));
    const head = h("header", { class: "screen-head" }, h("h1", {}, "Photos"), count);
    if (total === 0) {
      el.replaceChildren(head, h("p", { class: "empty-note", "data-testid": "timeline-empty" }, "No photos yet. Add a folder, and its photos appear here by date."));
      document.documentElement.dataset.timelineReady = "1";
      return;
    }
    const canvas = h("div", { class: "timeline-canvas", role: "list", "aria-label": "Photos by date taken" });
    const scroller = h("div", { class: "timeline", "data-testid": "timeline", tabindex: "-1" }, canvas);
    el.replaceChildren(head, scroller);
    const t: Timeline = {
      el,
      scroller,
      canvas,
      days,
      layout: layoutTimeline(days, scroller.clientWidth),
      width: scroller.clientWidth,
      rows: new Map(),
      pages: new Map(),
      loading: new Map(),
      generation: 0,
      frame: 0,
      ready: false,
      current: 0,
      resize: new ResizeObserver(() => onResize(t)),
      alive: true,
    };
    this.t = t;
    applyLayout(t);
    scroller.addEventListener("scroll", () => schedulePaint(t), { passive: true });
    scroller.addEventListener("click", (e) => {
      const tile = (e.target as HTMLElement).closest<HTMLElement>(".timeline-tile");
      if (tile) open(t, Number(tile.dataset.index));
    });
    scroller.addEventListener("keydown", (e) => onKey(t, e));
    scroller.addEventListener("focusin", (e) => {
      const tile = (e.target as HTMLElement).closest<HTMLElement>(".timeline-tile");
      if (tile) setCurrent(t, Number(tile.dataset.index));
    });
    t.resize.observe(scroller);
    paint(t);
  }

  /** The library changed (edits, live mode, indexing): new counts, same place. */
  private async update(): Promise<void> {
    const t = this.t;
    if (!t || !t.el.isConnected) {
      // Empty before (no timeline): show it afresh.
      if (!t && this.scope.alive) await this.show();
      return;
    }
    if (viewerIsOpen()) void reloadViewer();
    const days = await fetchDays();
    if (!days) return;
    if (t !== this.t || !t.alive) return;
    if (JSON.stringify(days) === JSON.stringify(t.days)) {
      // Same shape: no relayout; the rows in view are fetched again and tiles whose photo
      // changed (a content change keeps the counts) get the new one, without a flash.
      t.generation++;
      t.pages.clear();
      t.loading.clear();
      paint(t);
      return;
    }
    if (t.layout.total === 0 || days.length === 0) {
      await this.show();
      return;
    }
    const anchor = firstVisiblePhoto(t);
    t.days = days;
    t.generation++;
    t.pages.clear();
    t.loading.clear();
    t.layout = layoutTimeline(days, t.width);
    const head = t.el.querySelector('[data-testid="timeline-count"]');
    if (head) head.textContent = plural(t.layout.total, "photo");
    applyLayout(t, Math.min(anchor, t.layout.total - 1));
  }
}

function onResize(t: Timeline): void {
  if (!t.alive || !t.scroller.isConnected) return;
  const width = t.scroller.clientWidth;
  if (width === t.width || width === 0) return;
  const anchor = firstVisiblePhoto(t);
  t.width = width;
  t.layout = layoutTimeline(t.days, width);
  applyLayout(t, anchor);
}

/** Sizes the canvas, drops the rendered rows, scrolls so photo `anchor` stays in view. */
function applyLayout(t: Timeline, anchor?: number): void {
  t.canvas.style.height = `${t.layout.height}px`;
  t.canvas.style.setProperty("--cell", `${t.layout.cell}px`);
  t.canvas.style.setProperty("--gap", `${t.layout.gap}px`);
  t.canvas.style.setProperty("--columns", String(t.layout.columns));
  for (const row of t.rows.values()) row.remove();
  t.rows.clear();
  if (anchor !== undefined && anchor > 0) {
    const r = rowOfPhoto(t.layout, anchor);
    const header = r > 0 && t.layout.rows[r - 1].kind === "header" ? r - 1 : r;
    if (r >= 0) t.scroller.scrollTop = t.layout.rows[header].top;
  }
  paint(t);
}

function firstVisiblePhoto(t: Timeline): number {
  const { from, to } = visibleRows(t.layout, t.scroller.scrollTop, t.scroller.clientHeight, 0);
  for (let i = from; i < to; i++) {
    const r = t.layout.rows[i];
    if (r.kind === "tiles" && r.top + r.height > t.scroller.scrollTop) return r.first;
  }
  return 0;
}

function schedulePaint(t: Timeline): void {
  if (t.frame) return;
  t.frame = requestAnimationFrame(() => {
    t.frame = 0;
    if (t.alive) paint(t);
  });
}

/** Puts the visible rows (+ overscan) in the DOM, removes the others, asks for their pages. */
function paint(t: Timeline): void {
  if (!t.alive) return;
  const { from, to } = visibleRows(t.layout, t.scroller.scrollTop, t.scroller.clientHeight, OVERSCAN);
  const focused = document.activeElement?.closest<HTMLElement>(".timeline-row");
  for (const [i, row] of t.rows) {
    if ((i < from || i >= to) && row !== focused) {
      row.remove();
      t.rows.delete(i);
    }
  }
  let first = Infinity;
  let last = -1;
  for (let i = from; i < to; i++) {
    const r = t.layout.rows[i];
    if (r.kind === "tiles") {
      first = Math.min(first, r.first);
      last = Math.max(last, r.first + r.count - 1);
    }
    if (!t.rows.has(i)) {
      const row = renderRow(t, r);
      t.rows.set(i, row);
      t.canvas.append(row);
    }
  }
  if (last >= 0) for (const p of pagesFor(first, last, PAGE)) void loadPage(t, p);
  // Keep one tile in the Tab order: the current one, or the first in view once it scrolled away.
  if (last >= 0 && !tileAt(t, t.current)) setCurrent(t, firstVisiblePhoto(t));
  markReady(t);
}

function renderRow(t: Timeline, r: Row): HTMLElement {
  let row: HTMLElement;
  if (r.kind === "header") {
    const d = t.days[r.dayIndex];
    row = h("div", { class: "timeline-row timeline-day", role: "heading", "aria-level": "2", "data-testid": "timeline-day", "data-day": d.day ?? "" },
      h("span", { class: "timeline-day-label" }, dayLabel(d.day)),
      h("span", { class: "timeline-day-count" }, plural(d.count, "photo")));
  } else {
    row = h("div", { class: "timeline-row timeline-tiles", role: "presentation" });
    for (let i = 0; i < r.count; i++) row.append(renderTile(t, r.first + i));
  }
  row.style.transform = `translateY(${r.top}px)`;
  row.style.height = `${r.height}px`;
  return row;
}

function renderTile(t: Timeline, index: number): HTMLElement {
  const tile = h("button", { type: "button", class: "timeline-tile", role: "listitem", "data-testid": "timeline-tile", "data-index": index, "aria-label": "Photo (loading)", tabindex: index === t.current ? "0" : "-1" });
  fillTile(t, tile, index);
  return tile;
}

function fillTile(t: Timeline, tile: HTMLElement, index: number): void {
  const hit = cached(t, index);
  if (!hit || tile.dataset.photo === String(hit.id)) return;
  tile.dataset.photo = String(hit.id);
  tile.setAttribute("aria-label", `Photo taken ${formatTakenAt(hit.takenAt)}`);
  tile.title = formatTakenAt(hit.takenAt);
  const img = h("img", { src: thumbUrl("photo", hit.id), alt: "", decoding: "async", draggable: "false" });
  img.addEventListener("load", () => img.classList.add("loaded"), { once: true });
  tile.replaceChildren(img);
  // Already in the webview's cache (scrolled back to it): no fade.
  if (img.complete && img.naturalWidth > 0) img.classList.add("loaded");
}

function cached(t: Timeline, index: number): PhotoHitDto | undefined {
  const page = t.pages.get(Math.floor(index / PAGE));
  return page?.[index % PAGE];
}

/** Fetches page `p` once: after the previous page's last photo if known, else from its day. */
function loadPage(t: Timeline, p: number): Promise<void> {
  if (t.pages.has(p)) {
    // Most recently used last (the cache drops the oldest).
    const v = t.pages.get(p) as PhotoHitDto[];
    t.pages.delete(p);
    t.pages.set(p, v);
    return Promise.resolve();
  }
  const running = t.loading.get(p);
  if (running) return running;
  const generation = t.generation;
  const prev = t.pages.get(p - 1);
  let from: TimelineFrom;
  let skip = 0;
  if (p === 0) from = { kind: "start" };
  else if (prev && prev.length === PAGE) {
    const last = prev[PAGE - 1];
    from = { kind: "after", takenAt: last.takenAt, photo: last.id };
  } else {
    const s = pageStart(t.layout, p, PAGE);
    from = { kind: "day", day: t.days[s.dayIndex].day };
    skip = s.skip;
  }
  const job = api
    .timelinePage(from, skip, PAGE)
    .then((hits) => {
      if (generation !== t.generation) return;
      t.pages.set(p, hits);
      while (t.pages.size > MAX_PAGES) {
        const oldest = t.pages.keys().next().value as number;
        t.pages.delete(oldest);
      }
      for (const tile of t.canvas.querySelectorAll<HTMLElement>(".timeline-tile")) {
        const i = Number(tile.dataset.index);
        if (Math.floor(i / PAGE) === p) fillTile(t, tile, i);
      }
      markReady(t);
    })
    .catch((err: unknown) => reportError(err as ApiError))
    .finally(() => {
      if (generation === t.generation) t.loading.delete(p);
    });
  t.loading.set(p, job);
  return job;
}

/** `data-timeline-ready` once the first screenful of tiles shows photos (benchmark hook). */
function markReady(t: Timeline): void {
  if (t.ready) return;
  const { from, to } = visibleRows(t.layout, t.scroller.scrollTop, t.scroller.clientHeight, 0);
  for (let i = from; i < to; i++) {
    const r = t.layout.rows[i];
    if (r.kind !== "tiles") continue;
    for (let k = 0; k < r.count; k++) if (!cached(t, r.first + k)) return;
  }
  t.ready = true;
  document.documentElement.dataset.timelineReady = "1";
}

/** Scrolls so photo `index` is in view and renders its row. */
function reveal(t: Timeline, index: number): void {
  const r = t.layout.rows[rowOfPhoto(t.layout, index)];
  if (!r) return;
  const s = t.scroller;
  if (r.top < s.scrollTop) s.scrollTop = r.top;
  else if (r.top + r.height > s.scrollTop + s.clientHeight) s.scrollTop = r.top + r.height - s.clientHeight;
  paint(t);
}

function setCurrent(t: Timeline, index: number): void {
  if (index === t.current && tileAt(t, index)?.tabIndex === 0) return;
  const old = tileAt(t, t.current);
  if (old) old.tabIndex = -1;
  t.current = index;
  const now = tileAt(t, index);
  if (now) now.tabIndex = 0;
}

function tileAt(t: Timeline, index: number): HTMLElement | null {
  return t.canvas.querySelector<HTMLElement>(`.timeline-tile[data-index="${index}"]`);
}

function onKey(t: Timeline, e: KeyboardEvent): void {
  const tile = (e.target as HTMLElement).closest<HTMLElement>(".timeline-tile");
  if (!tile || e.altKey || e.ctrlKey || e.metaKey) return;
  const index = Number(tile.dataset.index);
  const next = moveIndex(t.layout, index, e.key);
  if (next === index) return;
  e.preventDefault();
  reveal(t, next);
  tileAt(t, next)?.focus();
}

/** The timeline as the viewer walks it: photo at any index, through the page cache. */
function sequence(t: Timeline): PhotoSequence {
  return {
    total: () => t.layout.total,
    at: async (index) => {
      if (index < 0 || index >= t.layout.total) return null;
      const p = Math.floor(index / PAGE);
      await loadPage(t, p);
      return cached(t, index) ?? null;
    },
    shown: (index) => reveal(t, index),
    closed: (index) => {
      reveal(t, index);
      (tileAt(t, index) ?? t.scroller).focus();
    },
  };
}

function open(t: Timeline, index: number): void {
  if (!t.alive || Number.isNaN(index)) return;
  openViewer(sequence(t), index);
}

/** The timeline's days, or null (the error shown) when the shell refused. */
async function fetchDays(): Promise<TimelineDayDto[] | null> {
  try {
    return await api.timelineDays();
  } catch (err) {
    reportError(err as ApiError);
    return null;
  }
}
