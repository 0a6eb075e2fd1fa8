import { describe, expect, it } from "vitest";
import { dayLabel, dayOfPhoto, layoutTimeline, moveIndex, pageStart, pagesFor, rowOfPhoto, visibleRows } from "./timeline-layout";

const opts = { minCell: 100, gap: 4, headerHeight: 40 };

describe("layoutTimeline", () => {
  it("fits square cells to the width and stacks header + tile rows per day", () => {
    const l = layoutTimeline([{ day: "2021-06-12", count: 7 }, { day: null, count: 2 }], 420, opts);
    expect(l.columns).toBe(4); // (420 + 4) / 104 = 4.07
    expect(l.cell).toBe(102); // (420 - 12) / 4
    expect(l.rows.map((r) => r.kind)).toEqual(["header", "tiles", "tiles", "header", "tiles"]);
    expect(l.rows.map((r) => r.top)).toEqual([0, 40, 146, 252, 292]);
    expect(l.height).toBe(292 + 106);
    expect(l.dayStarts).toEqual([0, 7]);
    expect(l.total).toBe(9);
    const tiles = l.rows.filter((r) => r.kind === "tiles").map((r) => (r.kind === "tiles" ? [r.first, r.count] : []));
    expect(tiles).toEqual([[0, 4], [4, 3], [7, 2]]);
  });

  it("has one column at least and no rows for an empty library", () => {
    expect(layoutTimeline([{ day: "2020-01-01", count: 3 }], 10, opts).columns).toBe(1);
    const empty = layoutTimeline([], 800, opts);
    expect(empty.rows).toEqual([]);
    expect(empty.height).toBe(0);
    expect(visibleRows(empty, 0, 500)).toEqual({ from: 0, to: 0 });
  });

  it("knows the exact height of 100,000 photos at once, fast", () => {
    const days = Array.from({ length: 5000 }, (_, i) => ({ day: `2000-01-${String((i % 28) + 1).padStart(2, "0")}`, count: 20 }));
    const t = performance.now();
    const l = layoutTimeline(days, 1000, { minCell: 160, gap: 4, headerHeight: 44 });
    expect(performance.now() - t).toBeLessThan(200);
    expect(l.total).toBe(100000);
    // 6 columns: 20 photos = 4 rows per day.
    expect(l.columns).toBe(6);
    expect(l.height).toBe(5000 * (44 + 4 * (l.cell + 4)));
  });
});

describe("visibleRows", () => {
  const l = layoutTimeline([{ day: "2021-06-12", count: 40 }], 420, opts); // 1 header + 10 rows
  it("returns the rows in the viewport plus overscan", () => {
    expect(visibleRows(l, 0, 200, 0)).toEqual({ from: 0, to: 3 }); // 0..40, 40..146, 146..252
    expect(visibleRows(l, 300, 100, 1)).toEqual({ from: 2, to: 6 }); // rows 3 and 4, ±1
    expect(visibleRows(l, 100000, 100, 2).to).toBe(l.rows.length);
  });
});

describe("photo positions", () => {
  const l = layoutTimeline([{ day: "2021-06-12", count: 5 }, { day: "2021-06-11", count: 3 }, { day: null, count: 1 }], 420, opts);
  it("finds each photo's row and day", () => {
    expect([0, 3, 4, 5, 7, 8].map((i) => rowOfPhoto(l, i))).toEqual([1, 1, 2, 4, 4, 6]);
    expect([0, 4, 5, 7, 8].map((i) => dayOfPhoto(l, i))).toEqual([0, 0, 1, 1, 2]);
  });
  it("starts a page at its day plus a skip", () => {
    expect(pageStart(l, 0, 3)).toEqual({ dayIndex: 0, skip: 0 });
    expect(pageStart(l, 1, 3)).toEqual({ dayIndex: 0, skip: 3 });
    expect(pageStart(l, 2, 3)).toEqual({ dayIndex: 1, skip: 1 });
    expect(pagesFor(2, 7, 3)).toEqual([0, 1, 2]);
  });
  it("moves with the arrow keys by cell and by row, across days", () => {
    expect(moveIndex(l, 0, "ArrowRight")).toBe(1);
    expect(moveIndex(l, 0, "ArrowLeft")).toBe(0);
    expect(moveIndex(l, 1, "ArrowDown")).toBe(4); // row 2 has one photo
    expect(moveIndex(l, 4, "ArrowDown")).toBe(5); // next day, first column
    expect(moveIndex(l, 6, "ArrowUp")).toBe(4);
    expect(moveIndex(l, 8, "ArrowDown")).toBe(8);
    expect(moveIndex(l, 3, "End")).toBe(8);
    expect(moveIndex(l, 3, "Home")).toBe(0);
  });
});

describe("dayLabel", () => {
  it("spells the day out, and says when there is none", () => {
    expect(dayLabel("2021-06-12")).toBe("Saturday 12 June 2021");
    expect(dayLabel(null)).toBe("No date");
    expect(dayLabel("2021-13-01")).toBe("2021-13-01");
  });
});
