// People page decisions that need no DOM (unit-tested in people-logic.test.ts).
import type { PersonDto } from "./api";

/** Biggest first (faces, then photos), named before unnamed on ties, then by id: stable. */
export function sortPeople(people: PersonDto[]): PersonDto[] {
  return [...people].sort(
    (a, b) =>
      b.faces - a.faces ||
      b.photos - a.photos ||
      Number(b.name !== null) - Number(a.name !== null) ||
      a.id - b.id,
  );
}

/** Case-insensitive filter on names; unnamed clusters match only an empty filter. */
export function filterPeople(people: PersonDto[], query: string): PersonDto[] {
  const q = query.trim().toLowerCase();
  if (!q) return people;
  return people.filter((p) => p.name !== null && p.name.toLowerCase().includes(q));
}

export interface MergePlan {
  into: number;
  from: number[];
}

/**
 * Which person the selected ones merge into: the named one with the most faces (a name is a
 * user decision worth keeping), else the biggest cluster. `null` with fewer than two.
 */
export function mergePlan(selected: PersonDto[]): MergePlan | null {
  if (selected.length < 2) return null;
  const named = selected.filter((p) => p.name !== null);
  const pool = named.length > 0 ? named : selected;
  const into = sortPeople(pool)[0];
  return { into: into.id, from: selected.filter((p) => p.id !== into.id).map((p) => p.id) };
}

/** Existing names for autocomplete, sorted, without `except`'s own. */
export function knownNames(people: PersonDto[], except?: number): string[] {
  return people
    .filter((p) => p.name !== null && p.id !== except)
    .map((p) => p.name as string)
    .sort((a, b) => a.localeCompare(b));
}

export type Shortcut = "undo" | "redo" | null;

/** Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl+Y redo; never while typing in a field. */
export function shortcutOf(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  inTextField: boolean;
}): Shortcut {
  if (e.inTextField || e.altKey || !(e.ctrlKey || e.metaKey)) return null;
  const key = e.key.toLowerCase();
  if (key === "z") return e.shiftKey ? "redo" : "undo";
  if (key === "y" && !e.shiftKey) return "redo";
  return null;
}
