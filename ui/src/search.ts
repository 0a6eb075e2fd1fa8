// Search: photos with one or several people (all of them together), optional date range.
import { api, thumbUrl, type ApiError, type PersonDto } from "./api";
import { h } from "./dom";
import { reportError } from "./edits";
import { formatTakenAt, plural } from "./format";
import { sortPeople } from "./people-logic";
import { openViewer, type PhotoSequence } from "./viewer";

const chosen = new Set<number>();
const range = { from: "", to: "" };
const LIMIT = 500;

export async function showSearch(el: HTMLElement): Promise<void> {
  let people: PersonDto[];
  try {
    people = sortPeople(await api.peopleOverview(false)).filter((p) => p.name !== null);
  } catch (err) {
    reportError(err as ApiError);
    return;
  }
  for (const id of [...chosen]) if (!people.some((p) => p.id === id)) chosen.delete(id);
  const results = h("div", { class: "search-results", "data-testid": "search-results", "aria-live": "polite" });
  const run = (): void => void search(results);
  const chips = people.map((p) => {
    const b = h("button", { type: "button", class: "chip", "aria-pressed": chosen.has(p.id) ? "true" : "false", "data-testid": `search-person-${p.id}` }, p.name ?? "");
    b.addEventListener("click", () => {
      if (chosen.has(p.id)) chosen.delete(p.id);
      else chosen.add(p.id);
      b.setAttribute("aria-pressed", chosen.has(p.id) ? "true" : "false");
      run();
    });
    return b;
  });
  const date = (key: "from" | "to", label: string): HTMLElement => {
    const input = h("input", { type: "date", value: range[key], "aria-label": label, "data-testid": `search-${key}` });
    input.addEventListener("change", () => {
      range[key] = input.value;
      run();
    });
    return h("label", { class: "date-field" }, label, input);
  };
  el.replaceChildren(
    h("header", { class: "screen-head" }, h("h1", {}, "Search")),
    people.length === 0
      ? h("p", { class: "empty-note" }, "Name some people first: search finds photos of named people.")
      : h("div", { class: "chips", role: "group", "aria-label": "People in the photo" }, ...chips),
    h("div", { class: "date-range" }, date("from", "From"), date("to", "To")),
    results,
  );
  run();
}

async function search(results: HTMLElement): Promise<void> {
  if (chosen.size === 0) {
    results.replaceChildren(h("p", { class: "muted", "data-testid": "search-count" }, "Choose one or more people."));
    return;
  }
  try {
    const hits = await api.photosSearch([...chosen], range.from || null, range.to || null, LIMIT);
    const count =
      hits.length === 0
        ? chosen.size > 1
          ? "No photos with all of them together."
          : "No photos."
        : plural(hits.length, "photo") + (hits.length === LIMIT ? " (the newest)" : "");
    const tiles = hits.map((p, i) => {
      const tile = h("figure", { class: "photo-tile", role: "listitem", tabindex: "0", "data-testid": "search-hit", "data-photo": String(p.id), title: p.path, "aria-label": `Open photo ${i + 1} of ${hits.length}` },
        h("img", { src: thumbUrl("photo", p.id), alt: "", loading: "lazy" }),
        h("figcaption", {}, formatTakenAt(p.takenAt)));
      tile.addEventListener("click", () => openViewer(sequence, i));
      tile.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          openViewer(sequence, i);
        }
      });
      return tile;
    });
    // The viewer walks these results (←/→) and gives the focus back to the tile it closed on.
    const sequence: PhotoSequence = {
      total: () => hits.length,
      at: (index) => Promise.resolve(hits[index] ?? null),
      shown: () => {},
      closed: (index) => tiles[index]?.focus(),
    };
    results.replaceChildren(
      h("p", { class: "muted", "data-testid": "search-count" }, count),
      h("div", { class: "photo-grid", role: "list" }, ...tiles),
    );
  } catch (err) {
    reportError(err as ApiError);
  }
}
