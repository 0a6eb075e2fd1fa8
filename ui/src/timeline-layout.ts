// The Photos timeline's geometry, without the DOM (unit-tested in timeline-layout.test.ts):
// rows computed from per-day counts and the width, so the whole library's height is known
// before any photo is loaded; which rows a scroll position shows; which page holds a photo.

export interface DayCount {
  /** `YYYY-MM-DD`, or null for the photos without a date. */
  day: string | null;
  count: number;
}

export interface LayoutOptions {
  /** Smallest cell side (px); cells grow to fill the width. */
  minCell: number;
  gap: number;
  headerHeight: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { minCell: 160, gap: 4, headerHeight: 44 };

export type Row =
  | { kind: "header"; top: number; height: number; dayIndex: number }
  | { kind: "tiles"; top: number; height: number; dayIndex: number; first: number; count: number };

export interface TimelineLayout {
  columns: number;
  cell: number;
  gap: number;
  rows: Row[];
  height: number;
  /** Global index of each day's first photo. */
  dayStarts: number[];
  total: number;
}

/** Rows for `days` in a container `width` px wide: per day a header row, then tile rows. */
export function layoutTimeline(days: DayCount[], width: number, opts: LayoutOptions = DEFAULT_LAYOUT): TimelineLayout {
  const w = Math.max(1, Math.floor(width));
  const columns = Math.max(1, Math.floor((w + opts.gap) / (opts.minCell + opts.gap)));
  const cell = Math.max(1, Math.floor((w - opts.gap * (columns - 1)) / columns));
  const rows: Row[] = [];
  const dayStarts: number[] = [];
  let top = 0;
  let index = 0;
  days.forEach((d, dayIndex) => {
    dayStarts.push(index);
    rows.push({ kind: "header", top, height: opts.headerHeight, dayIndex });
    top += opts.headerHeight;
    for (let i = 0; i < d.count; i += columns) {
      const count = Math.min(columns, d.count - i);
      rows.push({ kind: "tiles", top, height: cell + opts.gap, dayIndex, first: index + i, count });
      top += cell + opts.gap;
    }
    index += d.count;
  });
  return { columns, cell, gap: opts.gap, rows, height: top, dayStarts, total: index };
}

/** Index of the last row whose top is ≤ y (0 when none). */
function rowAt(rows: Row[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid].top <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [from, to) intersecting [scrollTop, scrollTop + viewport), widened by `overscan` rows. */
export function visibleRows(layout: TimelineLayout, scrollTop: number, viewport: number, overscan = 3): { from: number; to: number } {
  if (layout.rows.length === 0) return { from: 0, to: 0 };
  const first = rowAt(layout.rows, Math.max(0, scrollTop));
  const last = rowAt(layout.rows, Math.max(0, scrollTop + viewport - 1));
  return { from: Math.max(0, first - overscan), to: Math.min(layout.rows.length, last + 1 + overscan) };
}

/** The row holding photo `index` (binary search on tile rows' first index). */
export function rowOfPhoto(layout: TimelineLayout, index: number): number {
  let lo = 0;
  let hi = layout.rows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = layout.rows[mid];
    const first = r.kind === "tiles" ? r.first : layout.dayStarts[r.dayIndex];
    if (first <= index) {
      if (r.kind === "tiles") found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The day holding photo `index`. */
export function dayOfPhoto(layout: TimelineLayout, index: number): number {
  let lo = 0;
  let hi = layout.dayStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.dayStarts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where to fetch page `page` (photos [page·size, (page+1)·size)) from, when the previous page
 * is not known: the first photo of its day, then `skip` photos into that day. */
export function pageStart(layout: TimelineLayout, page: number, size: number): { dayIndex: number; skip: number } {
  const first = page * size;
  const dayIndex = dayOfPhoto(layout, first);
  return { dayIndex, skip: first - layout.dayStarts[dayIndex] };
}

/** Pages holding photos [first, last]. */
export function pagesFor(first: number, last: number, size: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(first / size); p <= Math.floor(last / size); p++) out.push(p);
  return out;
}

/** Target of an arrow key from photo `index` in a grid of `columns`, clamped to [0, total). */
export function moveIndex(layout: TimelineLayout, index: number, key: string): number {
  const row = rowOfPhoto(layout, index);
  const r = layout.rows[row];
  if (!r || r.kind !== "tiles") return index;
  const col = index - r.first;
  const clamp = (i: number): number => Math.max(0, Math.min(layout.total - 1, i));
  const tileRow = (from: number, step: number): number => {
    let i = from + step;
    while (i >= 0 && i < layout.rows.length && layout.rows[i].kind !== "tiles") i += step;
    return i;
  };
  switch (key) {
    case "ArrowLeft":
      return clamp(index - 1);
    case "ArrowRight":
      return clamp(index + 1);
    case "ArrowUp":
    case "ArrowDown": {
      const t = tileRow(row, key === "ArrowUp" ? -1 : 1);
      const tr = layout.rows[t];
      if (!tr || tr.kind !== "tiles") return index;
      return tr.first + Math.min(col, tr.count - 1);
    }
    case "Home":
      return 0;
    case "End":
      return clamp(layout.total - 1);
    default:
      return index;
  }
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** "Saturday 12 June 2021"; "No date" for null; the raw text if it is not a date. */
export function dayLabel(day: string | null): string {
  if (day === null) return "No date";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return day;
  const weekday = WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()];
  return `${weekday} ${d} ${MONTHS[mo - 1]} ${y}`;
}
