// Pure text helpers for the UI (unit-tested in format.test.ts).
import type { PersonDto, ProgressDto } from "./api";

/** `n thing` / `n things`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** A short duration: `45 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** 0..100, for the progress bar (0 while the total is unknown). */
export function percent(p: Pick<ProgressDto, "done" | "total">): number {
  if (p.total <= 0) return 0;
  return Math.min(100, Math.floor((100 * p.done) / p.total));
}

/** The one-line state of the progress panel. */
export function progressHeadline(p: ProgressDto): string {
  if (p.paused) return "Paused";
  switch (p.phase) {
    case "scanning":
      return `Looking for photos… ${plural(p.filesFound, "photo")} found`;
    case "indexing":
      return `Finding faces: ${p.done.toLocaleString("en-US")} of ${plural(p.total, "photo")}`;
    case "watching":
      return "Watching for new photos";
    case "done":
      return "Done";
  }
}

/** Rate and time left, e.g. `2.4 photos/s · about 3 min 05 s left`. */
export function progressDetail(p: ProgressDto): string {
  const parts: string[] = [];
  if (p.rate > 0) parts.push(`${p.rate.toFixed(1)} photos/s`);
  if (p.etaSeconds !== null && p.phase === "indexing") parts.push(`about ${formatDuration(p.etaSeconds)} left`);
  return parts.join(" · ");
}

/** What a card is called. */
export function personTitle(p: Pick<PersonDto, "name">): string {
  return p.name ?? "Unnamed";
}

/** The card's second line: `12 photos` (+ `· 3 to confirm`). */
export function personSubtitle(p: Pick<PersonDto, "photos" | "suggested">): string {
  const base = plural(p.photos, "photo");
  return p.suggested > 0 ? `${base} · ${p.suggested} to confirm` : base;
}

/** `2019-07-04T18:30:00` → `4 Jul 2019` (the date part only; unknown → `no date`). */
export function formatTakenAt(takenAt: string | null): string {
  const m = takenAt?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return "no date";
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const month = months[Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month} ${m[1]}` : "no date";
}

/** Typed errors carry their path; a list that shows the path above the message drops it. */
export function withoutPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
