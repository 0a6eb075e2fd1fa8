// Pure decisions of the People / person page flows (unit-tested in people-flows.test.ts):
// face selection with shift-ranges, the review keys, what a drop merges into, and how the
// People grid is painted in chunks.
import type { PersonDto } from "./api";

/** The selected faces and the anchor of the next shift-click range. */
export interface FaceSelection {
  selected: Set<number>;
  anchor: number | null;
}

/**
 * A click (or Space) on face `id` of the page's faces `order`: toggles it and makes it the
 * anchor; with Shift, selects every face from the anchor to it (inclusive, either direction)
 * and keeps the anchor. A shift-click without an anchor (or with an anchor no longer shown)
 * is a plain toggle. Returns a new selection; the input is not changed.
 */
export function toggleFace(sel: FaceSelection, order: number[], id: number, shift: boolean): FaceSelection {
  const selected = new Set(sel.selected);
  const from = sel.anchor === null ? -1 : order.indexOf(sel.anchor);
  const to = order.indexOf(id);
  if (shift && from >= 0 && to >= 0) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    for (const f of order.slice(a, b + 1)) selected.add(f);
    return { selected, anchor: sel.anchor };
  }
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  return { selected, anchor: id };
}

/** Keeps only faces still on the page (after an edit moved some away). */
export function pruneSelection(sel: FaceSelection, order: number[]): FaceSelection {
  const shown = new Set(order);
  const selected = new Set([...sel.selected].filter((f) => shown.has(f)));
  return { selected, anchor: sel.anchor !== null && shown.has(sel.anchor) ? sel.anchor : null };
}

export type ReviewAction = "yes" | "no" | "all" | "next" | "prev" | null;

/**
 * The review ("Is this X?") keys: Y yes, N no, A yes to all, → / K next, ← / J previous.
 * Never with Ctrl / Cmd / Alt (Ctrl+Z is undo) and never while typing in a field.
 */
export function reviewAction(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  inTextField: boolean;
}): ReviewAction {
  if (e.inTextField || e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "y":
    case "Y":
      return "yes";
    case "n":
    case "N":
      return "no";
    case "a":
    case "A":
      return "all";
    case "ArrowRight":
    case "k":
    case "K":
      return "next";
    case "ArrowLeft":
    case "j":
    case "J":
      return "prev";
    default:
      return null;
  }
}

/** Where the focus goes after `action` on item `index` of `count` (clamped; -1 when empty). */
export function reviewFocus(index: number, count: number, action: "next" | "prev" | "stay"): number {
  if (count <= 0) return -1;
  const i = action === "next" ? index + 1 : action === "prev" ? index - 1 : index;
  return Math.min(Math.max(i, 0), count - 1);
}

/**
 * Dragging person `source` onto `target` merges them. The target keeps its identity — unless
 * it is an unnamed cluster and the dragged one has a name: the name is the user's decision, so
 * the cluster joins the named person. `null` when dropped on itself.
 */
export function dropPlan(source: PersonDto, target: PersonDto): { from: number[]; into: number } | null {
  if (source.id === target.id) return null;
  if (target.name === null && source.name !== null) return { from: [target.id], into: source.id };
  return { from: [source.id], into: target.id };
}

/**
 * How many cards each paint adds: the first chunk fills a screen at once (a small library is
 * complete in the first paint), the next ones `NEXT_CHUNK` at a time as the view nears them.
 */
export const FIRST_CHUNK = 120;
export const NEXT_CHUNK = 120;

/** `[start, end)` ranges covering `total` items: `first`, then `rest` per chunk. */
export function chunkRanges(total: number, first = FIRST_CHUNK, rest = NEXT_CHUNK): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let size = Math.max(1, first);
  while (start < total) {
    const end = Math.min(total, start + size);
    out.push([start, end]);
    start = end;
    size = Math.max(1, rest);
  }
  return out;
}

/**
 * The "Move to…" field's answer: an existing person (by name, ignoring case and outer spaces)
 * or a new name; `null` for an empty field or the page's own person.
 */
export function moveTarget(
  people: PersonDto[],
  typed: string,
  current: number,
): { to: number; newName: null } | { to: null; newName: string } | null {
  const name = typed.trim();
  if (name === "") return null;
  const lower = name.toLowerCase();
  const match = people.find((p) => p.name !== null && p.name.toLowerCase() === lower);
  if (match) return match.id === current ? null : { to: match.id, newName: null };
  return { to: null, newName: name };
}
