import { describe, expect, it } from "vitest";
import type { PersonDto } from "./api";
import { thumbUrl } from "./api";
import { filterPeople, knownNames, mergePlan, shortcutOf, sortPeople } from "./people-logic";

const person = (id: number, faces: number, name: string | null = null): PersonDto => ({
  id,
  name,
  hidden: false,
  faces,
  photos: faces,
  suggested: 0,
  coverFace: null,
});

const key = (over: Partial<Parameters<typeof shortcutOf>[0]>) =>
  shortcutOf({ key: "z", ctrlKey: true, metaKey: false, shiftKey: false, altKey: false, inTextField: false, ...over });

describe("people logic", () => {
  it("sorts biggest first, named before unnamed on ties, then by id", () => {
    const sorted = sortPeople([person(3, 2), person(1, 9), person(2, 2, "Ann"), person(4, 2)]);
    expect(sorted.map((p) => p.id)).toEqual([1, 2, 3, 4]);
  });

  it("filters by name, case-insensitively", () => {
    const all = [person(1, 1, "Anna"), person(2, 1, "Bob"), person(3, 1)];
    expect(filterPeople(all, " an ").map((p) => p.id)).toEqual([1]);
    expect(filterPeople(all, "").length).toBe(3);
  });

  it("merges into the biggest named person, else the biggest cluster", () => {
    expect(mergePlan([person(1, 5)])).toBeNull();
    expect(mergePlan([person(1, 5), person(2, 9)])).toEqual({ into: 2, from: [1] });
    expect(mergePlan([person(1, 5), person(2, 9), person(3, 1, "Ann")])).toEqual({ into: 3, from: [1, 2] });
    expect(mergePlan([person(1, 5, "Bo"), person(2, 9, "Al")])).toEqual({ into: 2, from: [1] });
  });

  it("offers other people's names for autocomplete", () => {
    expect(knownNames([person(1, 1, "Zoe"), person(2, 1), person(3, 1, "Al")], 3)).toEqual(["Zoe"]);
  });

  it("maps undo/redo shortcuts, never while typing", () => {
    expect(key({})).toBe("undo");
    expect(key({ shiftKey: true, key: "Z" })).toBe("redo");
    expect(key({ key: "y" })).toBe("redo");
    expect(key({ ctrlKey: false, metaKey: true })).toBe("undo");
    expect(key({ inTextField: true })).toBeNull();
    expect(key({ ctrlKey: false })).toBeNull();
    expect(key({ altKey: true })).toBeNull();
    expect(key({ key: "x" })).toBeNull();
  });

  it("builds thumb: URLs from ids only", () => {
    expect(thumbUrl("face", 12, "Mozilla/5.0 (X11; Linux x86_64)")).toBe("thumb://localhost/face/12");
    expect(thumbUrl("photo", 7.9, "Mozilla/5.0 (Windows NT 10.0)")).toBe("http://thumb.localhost/photo/7");
  });
});
