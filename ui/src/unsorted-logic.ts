// Pure decisions of the Unsorted faces view and the "Are these the same person?" strip
// (unit-tested in unsorted-logic.test.ts): texts, paging, and how a page of faces joins the
// ones already shown.
import type { MergeSuggestionDto, PersonDto, UnsortedFaceDto } from "./api";
import { personTitle, plural } from "./format";

/** Faces fetched per page ("Show more" adds one). */
export const UNSORTED_PAGE = 200;

/** Merge questions asked at once on the People page. */
export const MERGE_LIMIT = 6;

/** The tab's count: `12`, `1,234`, or nothing while unknown. */
export function unsortedTabCount(total: number | null): string {
  return total === null ? "" : total.toLocaleString("en-US");
}

/** `12 unsorted faces`, or the empty state's line. */
export function unsortedCountText(total: number): string {
  return total === 0 ? "No unsorted faces" : plural(total, "unsorted face");
}

/** The hint under a face with an open suggestion: `Maybe Anna?` (`null` without one). */
export function faceHint(f: Pick<UnsortedFaceDto, "suggested">): string | null {
  const s = f.suggested;
  if (!s) return null;
  return s.name === null ? "Maybe an unnamed group?" : `Maybe ${s.name}?`;
}

/** What a face tile says to a screen reader. */
export function faceLabel(f: Pick<UnsortedFaceDto, "suggested" | "lowQuality">): string {
  const parts = ["Select this face (Shift: a range)"];
  if (f.lowQuality) parts.push("small or blurry");
  const hint = faceHint(f);
  if (hint) parts.push(hint);
  return parts.join(" — ");
}

/** How many faces a refresh fetches: as many as are shown (the scroll stays), at least a page. */
export function refreshLimit(shown: number, page = UNSORTED_PAGE): number {
  return Math.max(page, shown);
}

/**
 * A "Show more" page joined to the faces shown: faces already there are not repeated (an edit
 * in between can shift the pages), the order is kept.
 */
export function appendPage(shown: UnsortedFaceDto[], page: UnsortedFaceDto[]): UnsortedFaceDto[] {
  const seen = new Set(shown.map((f) => f.id));
  return [...shown, ...page.filter((f) => !seen.has(f.id))];
}

/** `Showing 200 of 1,234` (empty when all are shown). */
export function moreText(shown: number, total: number): string {
  return shown >= total ? "" : `Showing ${shown.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`;
}

/** A merge question's key in the strip. */
export function mergeKey(m: MergeSuggestionDto): string {
  return `${m.from.id}:${m.into.id}`;
}

/** A person in a merge question: `Anna` / `Unnamed` and `5 photos`. */
export function mergeSide(p: Pick<PersonDto, "name" | "photos">): { title: string; sub: string } {
  return { title: personTitle(p), sub: plural(p.photos, "photo") };
}

/** The question read out for a pair. */
export function mergeQuestion(m: MergeSuggestionDto): string {
  const a = mergeSide(m.from);
  const b = mergeSide(m.into);
  return `Are ${a.title} (${a.sub}) and ${b.title} (${b.sub}) the same person?`;
}
