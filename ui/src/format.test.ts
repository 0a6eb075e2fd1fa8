import { describe, expect, it } from "vitest";
import type { ProgressDto } from "./api";
import { formatDuration, formatTakenAt, percent, personSubtitle, personTitle, plural, progressDetail, progressHeadline, withoutPath } from "./format";

const progress = (over: Partial<ProgressDto>): ProgressDto => ({
  phase: "indexing",
  filesFound: 0,
  done: 0,
  total: 0,
  faces: 0,
  reused: 0,
  errors: 0,
  rate: 0,
  etaSeconds: null,
  paused: false,
  provider: null,
  cpuReason: null,
  fellBack: false,
  ...over,
});

describe("format", () => {
  it("pluralises with thousands separators", () => {
    expect(plural(1, "photo")).toBe("1 photo");
    expect(plural(0, "photo")).toBe("0 photos");
    expect(plural(12345, "person", "people")).toBe("12,345 people");
  });

  it("formats durations at three scales", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(44.6)).toBe("45 s");
    expect(formatDuration(185)).toBe("3 min 05 s");
    expect(formatDuration(7620)).toBe("2 h 07 min");
    expect(formatDuration(-3)).toBe("0 s");
  });

  it("computes a bounded percentage", () => {
    expect(percent({ done: 0, total: 0 })).toBe(0);
    expect(percent({ done: 1, total: 3 })).toBe(33);
    expect(percent({ done: 5, total: 4 })).toBe(100);
  });

  it("says what indexing is doing", () => {
    expect(progressHeadline(progress({ phase: "scanning", filesFound: 1 }))).toBe("Looking for photos… 1 photo found");
    expect(progressHeadline(progress({ done: 3, total: 1200 }))).toBe("Finding faces: 3 of 1,200 photos");
    expect(progressHeadline(progress({ done: 3, total: 12, paused: true }))).toBe("Paused");
    expect(progressDetail(progress({ rate: 2.44, etaSeconds: 185 }))).toBe("2.4 photos/s · about 3 min 05 s left");
    expect(progressDetail(progress({}))).toBe("");
  });

  it("titles cards", () => {
    expect(personTitle({ name: null })).toBe("Unnamed");
    expect(personTitle({ name: "Ann" })).toBe("Ann");
    expect(personSubtitle({ photos: 1, suggested: 0 })).toBe("1 photo");
    expect(personSubtitle({ photos: 8, suggested: 3 })).toBe("8 photos · 3 to confirm");
  });

  it("shows the day a photo was taken", () => {
    expect(formatTakenAt("2019-07-04T18:30:00")).toBe("4 Jul 2019");
    expect(formatTakenAt("2019-13-04")).toBe("no date");
    expect(formatTakenAt(null)).toBe("no date");
  });
});

describe("withoutPath", () => {
  it("drops the path a typed error starts with, and nothing else", () => {
    expect(withoutPath("/p/a.jpg: cannot decode JPEG", "/p/a.jpg")).toBe("cannot decode JPEG");
    expect(withoutPath("cannot decode /p/a.jpg", "/p/a.jpg")).toBe("cannot decode /p/a.jpg");
    expect(withoutPath("/p/a.jpgx: nope", "/p/a.jpg")).toBe("/p/a.jpgx: nope");
  });
});
