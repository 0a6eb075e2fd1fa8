import { describe, expect, it } from "vitest";
import type { PersonDto } from "./api";
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

const person = (id: number, name: string | null = null): PersonDto => ({
  id,
  name,
  hidden: false,
  faces: 1,
  photos: 1,
  suggested: 0,
  coverFace: null,
});

const none: FaceSelection = { selected: new Set(), anchor: null };
const ids = (s: FaceSelection) => [...s.selected].sort((a, b) => a - b);

describe("face selection", () => {
  const order = [10, 11, 12, 13, 14];

  it("toggles a face and makes it the anchor", () => {
    const one = toggleFace(none, order, 12, false);
    expect(ids(one)).toEqual([12]);
    expect(one.anchor).toBe(12);
    const off = toggleFace(one, order, 12, false);
    expect(ids(off)).toEqual([]);
    expect(ids(one)).toEqual([12]); // input unchanged
  });

  it("selects a range with shift, in either direction, keeping the anchor", () => {
    const a = toggleFace(none, order, 11, false);
    const down = toggleFace(a, order, 13, true);
    expect(ids(down)).toEqual([11, 12, 13]);
    expect(down.anchor).toBe(11);
    const up = toggleFace(toggleFace(none, order, 14, false), order, 12, true);
    expect(ids(up)).toEqual([12, 13, 14]);
  });

  it("shift without an anchor is a plain toggle", () => {
    expect(ids(toggleFace(none, order, 13, true))).toEqual([13]);
    const stale: FaceSelection = { selected: new Set(), anchor: 99 };
    expect(ids(toggleFace(stale, order, 13, true))).toEqual([13]);
  });

  it("prunes faces that left the page", () => {
    const s: FaceSelection = { selected: new Set([10, 12, 99]), anchor: 99 };
    const p = pruneSelection(s, order);
    expect(ids(p)).toEqual([10, 12]);
    expect(p.anchor).toBeNull();
  });
});

describe("review keys", () => {
  const k = (key: string, over: Partial<Parameters<typeof reviewAction>[0]> = {}) =>
    reviewAction({ key, ctrlKey: false, metaKey: false, altKey: false, inTextField: false, ...over });

  it("maps Y / N / A and the arrows and J / K", () => {
    expect(k("y")).toBe("yes");
    expect(k("Y")).toBe("yes");
    expect(k("n")).toBe("no");
    expect(k("a")).toBe("all");
    expect(k("ArrowRight")).toBe("next");
    expect(k("k")).toBe("next");
    expect(k("ArrowLeft")).toBe("prev");
    expect(k("j")).toBe("prev");
    expect(k("x")).toBeNull();
  });

  it("ignores modified keys and typing", () => {
    expect(k("y", { ctrlKey: true })).toBeNull();
    expect(k("a", { metaKey: true })).toBeNull();
    expect(k("n", { altKey: true })).toBeNull();
    expect(k("y", { inTextField: true })).toBeNull();
  });

  it("moves the focus within bounds", () => {
    expect(reviewFocus(0, 3, "next")).toBe(1);
    expect(reviewFocus(2, 3, "next")).toBe(2);
    expect(reviewFocus(0, 3, "prev")).toBe(0);
    expect(reviewFocus(5, 3, "stay")).toBe(2);
    expect(reviewFocus(0, 0, "stay")).toBe(-1);
  });
});

describe("drag to merge", () => {
  it("merges the dragged one into the target", () => {
    expect(dropPlan(person(1), person(2))).toEqual({ from: [1], into: 2 });
    expect(dropPlan(person(1, "Ann"), person(2, "Bo"))).toEqual({ from: [1], into: 2 });
  });

  it("keeps the name when a named person is dropped on an unnamed cluster", () => {
    expect(dropPlan(person(1, "Ann"), person(2))).toEqual({ from: [2], into: 1 });
  });

  it("does nothing on itself", () => {
    expect(dropPlan(person(3), person(3))).toBeNull();
  });
});

describe("chunks", () => {
  it("covers everything, first chunk then the rest", () => {
    expect(chunkRanges(0)).toEqual([]);
    expect(chunkRanges(5, 10, 3)).toEqual([[0, 5]]);
    expect(chunkRanges(10, 4, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    const big = chunkRanges(5000);
    expect(big[0]).toEqual([0, 120]);
    expect(big[big.length - 1][1]).toBe(5000);
    expect(big.reduce((n, [a, b]) => n + b - a, 0)).toBe(5000);
  });
});

describe("move to", () => {
  const people = [person(1, "Ann"), person(2, "Bo"), person(3)];

  it("finds an existing person ignoring case and spaces", () => {
    expect(moveTarget(people, "  bo ", 1)).toEqual({ to: 2, newName: null });
  });

  it("creates a new name otherwise", () => {
    expect(moveTarget(people, "Cy", 1)).toEqual({ to: null, newName: "Cy" });
  });

  it("refuses empty and the person itself", () => {
    expect(moveTarget(people, "  ", 1)).toBeNull();
    expect(moveTarget(people, "ann", 1)).toBeNull();
  });
});
