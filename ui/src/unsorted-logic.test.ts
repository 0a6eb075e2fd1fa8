import { describe, expect, it } from "vitest";
import type { MergeSuggestionDto, PersonDto, UnsortedFaceDto } from "./api";
import {
  appendPage,
  faceHint,
  faceLabel,
  mergeKey,
  mergeQuestion,
  mergeSide,
  moreText,
  refreshLimit,
  unsortedCountText,
  unsortedTabCount,
} from "./unsorted-logic";

const face = (id: number, over: Partial<UnsortedFaceDto> = {}): UnsortedFaceDto => ({
  id,
  photo: id * 10,
  path: null,
  box: [0, 0, 10, 10],
  quality: 0.9,
  lowQuality: false,
  suggested: null,
  ...over,
});

const person = (id: number, photos: number, name: string | null = null): PersonDto => ({
  id,
  name,
  hidden: false,
  faces: photos,
  photos,
  suggested: 0,
  coverFace: null,
});

describe("unsorted faces", () => {
  it("counts for the tab and the view", () => {
    expect(unsortedTabCount(null)).toBe("");
    expect(unsortedTabCount(1234)).toBe("1,234");
    expect(unsortedCountText(0)).toBe("No unsorted faces");
    expect(unsortedCountText(1)).toBe("1 unsorted face");
    expect(unsortedCountText(12)).toBe("12 unsorted faces");
  });

  it("hints at the suggested person, named or not", () => {
    expect(faceHint(face(1))).toBeNull();
    expect(faceHint(face(1, { suggested: { person: 4, name: "Anna" } }))).toBe("Maybe Anna?");
    expect(faceHint(face(1, { suggested: { person: 4, name: null } }))).toBe("Maybe an unnamed group?");
    expect(faceLabel(face(1, { lowQuality: true, suggested: { person: 4, name: "Anna" } }))).toBe(
      "Select this face (Shift: a range) — small or blurry — Maybe Anna?",
    );
  });

  it("refreshes as many faces as are shown, at least a page", () => {
    expect(refreshLimit(0, 200)).toBe(200);
    expect(refreshLimit(450, 200)).toBe(450);
  });

  it("appends a page without repeating faces an edit shifted into it", () => {
    const joined = appendPage([face(1), face(2)], [face(2), face(3)]);
    expect(joined.map((f) => f.id)).toEqual([1, 2, 3]);
  });

  it("says how many are shown only when some are not", () => {
    expect(moreText(200, 200)).toBe("");
    expect(moreText(200, 1234)).toBe("Showing 200 of 1,234");
  });
});

describe("merge questions", () => {
  const m: MergeSuggestionDto = { from: person(7, 3), into: person(2, 1, "Anna"), distance: 0.5, confidence: 0.7 };

  it("keys a pair by its two people", () => {
    expect(mergeKey(m)).toBe("7:2");
  });

  it("names both sides (unnamed ones too) with their photo counts", () => {
    expect(mergeSide(m.from)).toEqual({ title: "Unnamed", sub: "3 photos" });
    expect(mergeSide(m.into)).toEqual({ title: "Anna", sub: "1 photo" });
    expect(mergeQuestion(m)).toBe("Are Unnamed (3 photos) and Anna (1 photo) the same person?");
  });
});
