// The indexing progress panel: starts a run, shows its Channel's samples (photos done/total,
// faces, rate, ETA, errors, provider and why the CPU runs the models), pause/resume/cancel, a
// notice when the GPU failed during the run, and the list of failed files.
import { api, type ApiError, type IndexDoneDto, type IndexEvent, type ProgressDto } from "./api";
import { byTestId, h } from "./dom";
import { percent, plural, progressDetail, progressHeadline, withoutPath } from "./format";
import { cpuLine, FELL_BACK_NOTICE } from "./gpu-logic";
import { showToast } from "./toast";
import { startWatching, stopWatching } from "./watch";

type PanelState = "loading" | "running" | "paused" | "finished" | "failed";

let state: PanelState | null = null;
let last: ProgressDto | null = null;
const finishedListeners: ((done: IndexDoneDto) => void)[] = [];

export function onIndexingFinished(listener: (done: IndexDoneDto) => void): void {
  finishedListeners.push(listener);
}

export function isIndexing(): boolean {
  return state === "loading" || state === "running" || state === "paused";
}

function panel(): HTMLElement {
  return byTestId<HTMLElement>("progress-panel");
}

/** Starts indexing every folder; the panel follows it. */
export async function startIndexing(): Promise<void> {
  if (isIndexing()) return;
  render("loading");
  await stopWatching();
  try {
    await api.indexStart(onEvent);
  } catch (err) {
    const e = err as ApiError;
    if (e.code === "indexing_running") return;
    renderFailed(e);
  }
}

function onEvent(e: IndexEvent): void {
  switch (e.event) {
    case "loading":
      render("loading");
      break;
    case "progress":
      last = e.data;
      render(state === "paused" ? "paused" : "running");
      break;
    case "finished":
      renderFinished(e.data);
      for (const l of finishedListeners) l(e.data);
      // Then follow the folders, so new photos show up by themselves.
      if (!e.data.cancelled) void startWatching();
      break;
    case "failed":
      renderFailed(e.data);
      break;
  }
}

function button(label: string, testid: string, run: () => void, primary = false): HTMLButtonElement {
  const b = h("button", { type: "button", class: primary ? "primary small" : "secondary small", "data-testid": testid }, label);
  b.addEventListener("click", run);
  return b;
}

function stat(label: string, value: string, testid: string): HTMLElement {
  return h("div", { class: "stat" }, h("span", { class: "stat-value", "data-testid": testid }, value), h("span", { class: "stat-label" }, label));
}

/** The errors count; a button that opens the list of failed files when there are any. */
function errorsStat(errors: number): HTMLElement {
  const b = button(errors.toLocaleString("en-US"), "progress-errors", () => void toggleErrors(), false);
  b.disabled = errors === 0;
  b.classList.add("link", "stat-value");
  b.setAttribute("aria-label", `${plural(errors, "error")}: show the failed files`);
  return h("div", { class: "stat" }, b, h("span", { class: "stat-label" }, errors === 1 ? "error" : "errors"));
}

/** The running/paused panel's parts. They are built once per run and updated in place, so a
 * progress sample never replaces the button under the pointer (a click pressed on the old
 * button and released on a new one is lost) nor closes the open list of failed files. */
interface RunningView {
  root: HTMLElement;
  headline: HTMLElement;
  pauseButton: HTMLButtonElement;
  bar: HTMLElement;
  fill: HTMLElement;
  done: HTMLElement;
  faces: HTMLElement;
  detail: HTMLElement;
  provider: HTMLElement;
  errors: HTMLButtonElement;
  errorsLabel: HTMLElement;
  cpuReason: HTMLElement;
  fellBack: HTMLElement;
}

let view: RunningView | null = null;

function buildRunningView(): RunningView {
  const headline = h("h2", { class: "progress-headline", "data-testid": "progress-headline" });
  // One button that pauses or resumes by the panel's state: its label and test id follow it.
  const pauseButton = button("Pause", "index-pause", () => void (state === "paused" ? resume() : pause()));
  const fill = h("div", { class: "bar-fill" });
  const bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "data-testid": "progress-bar" }, fill);
  const value = (testid: string) => h("span", { class: "stat-value", "data-testid": testid });
  const statOf = (label: string, v: HTMLElement) => h("div", { class: "stat" }, v, h("span", { class: "stat-label" }, label));
  const done = value("progress-done");
  const faces = value("progress-faces");
  const detail = value("progress-detail");
  const provider = value("progress-provider");
  const errors = button("0", "progress-errors", () => void toggleErrors(), false);
  errors.classList.add("link", "stat-value");
  const errorsLabel = h("span", { class: "stat-label" }, "errors");
  const cpuReason = cpuReasonLine(null);
  const fellBack = fellBackNotice(false);
  const root = h("div", { class: "progress-running" },
    h("div", { class: "progress-head" },
      headline,
      h("div", { class: "progress-actions" }, pauseButton, button("Stop", "index-cancel", () => void cancel()))),
    bar,
    h("div", { class: "stats" },
      statOf("photos", done), statOf("faces", faces), statOf("speed", detail), statOf("runs on", provider),
      h("div", { class: "stat" }, errors, errorsLabel)),
    cpuReason,
    fellBack,
    h("div", { class: "failures", "data-testid": "progress-failures", hidden: true }),
  );
  return { root, headline, pauseButton, bar, fill, done, faces, detail, provider, errors, errorsLabel, cpuReason, fellBack };
}

/** "Running on CPU: <why>", small, under the stats (hidden on the GPU). */
function cpuReasonLine(reason: string | null): HTMLElement {
  const el = h("p", { class: "progress-cpu", "data-testid": "progress-cpu-reason" });
  setCpuReason(el, reason);
  return el;
}

function setCpuReason(el: HTMLElement, reason: string | null): void {
  el.textContent = reason ? cpuLine(reason) : "";
  el.hidden = !reason;
}

/** The GPU failed during the run: the rest runs on the CPU, no photo lost. */
function fellBackNotice(shown: boolean): HTMLElement {
  const el = h("p", { class: "notice", role: "status", "data-testid": "gpu-fallback" }, FELL_BACK_NOTICE);
  el.hidden = !shown;
  return el;
}

function render(next: PanelState): void {
  state = next;
  const p = panel();
  p.hidden = false;
  p.dataset.state = next;
  if (!view || view.root.parentElement !== p) {
    view = buildRunningView();
    p.replaceChildren(view.root);
  }
  const v = view;
  const progress = last;
  v.headline.textContent =
    next === "loading" || !progress ? "Loading the face models…" : progressHeadline({ ...progress, paused: next === "paused" });
  const pct = progress ? percent(progress) : 0;
  v.bar.setAttribute("aria-valuenow", String(pct));
  // Through the CSSOM: the CSP forbids inline style attributes.
  v.fill.style.width = `${pct}%`;
  v.bar.classList.toggle("indeterminate", !progress || progress.phase === "scanning");
  const paused = next === "paused";
  v.pauseButton.textContent = paused ? "Resume" : "Pause";
  v.pauseButton.dataset.testid = paused ? "index-resume" : "index-pause";
  v.pauseButton.className = paused ? "primary small" : "secondary small";
  v.pauseButton.disabled = next === "loading";
  v.done.textContent = progress ? `${progress.done.toLocaleString("en-US")} / ${progress.total.toLocaleString("en-US")}` : "–";
  v.faces.textContent = progress ? progress.faces.toLocaleString("en-US") : "–";
  v.detail.textContent = progress ? progressDetail(progress) || "–" : "–";
  v.provider.textContent = progress?.provider ?? "–";
  setCpuReason(v.cpuReason, progress?.cpuReason ?? null);
  v.fellBack.hidden = !progress?.fellBack;
  const errors = progress?.errors ?? 0;
  v.errors.textContent = errors.toLocaleString("en-US");
  v.errors.disabled = errors === 0;
  v.errors.setAttribute("aria-label", `${plural(errors, "error")}: show the failed files`);
  v.errorsLabel.textContent = errors === 1 ? "error" : "errors";
}

function renderFinished(done: IndexDoneDto): void {
  state = "finished";
  const p = panel();
  p.hidden = false;
  p.dataset.state = "finished";
  // `done.photos` counts every photo finished, the failed ones too.
  const indexed = Math.max(0, done.photos - done.errors);
  const failed = done.errors > 0 ? `, ${plural(done.errors, "photo")} could not be read` : "";
  const headline = done.cancelled
    ? `Stopped: ${plural(indexed, "photo")} indexed${failed}, the rest waits for the next run`
    : `Done: ${plural(indexed, "photo")} indexed, ${plural(done.faces, "face")} found${failed}`;
  p.replaceChildren(
    h("div", { class: "progress-head" },
      h("h2", { class: "progress-headline", "data-testid": "progress-headline" }, headline),
      h("div", { class: "progress-actions" },
        button("Index again", "index-again", () => void startIndexing()),
        button("Close", "progress-close", () => { p.hidden = true; state = null; }))),
    h("div", { class: "stats" },
      stat("photos", done.photos.toLocaleString("en-US"), "progress-done"),
      stat("faces", done.faces.toLocaleString("en-US"), "progress-faces"),
      stat("groups", done.clusters.toLocaleString("en-US"), "progress-clusters"),
      stat("took", `${done.seconds.toFixed(1)} s`, "progress-detail"),
      stat("ran on", done.provider, "progress-provider"),
      errorsStat(done.errors)),
    cpuReasonLine(last?.cpuReason ?? null),
    fellBackNotice(done.fellBackToCpu),
    h("div", { class: "failures", "data-testid": "progress-failures", hidden: true }),
  );
}

function renderFailed(e: ApiError): void {
  state = "failed";
  const p = panel();
  p.hidden = false;
  p.dataset.state = "failed";
  p.replaceChildren(
    h("div", { class: "progress-head" },
      h("h2", { class: "progress-headline error-text", "data-testid": "progress-headline" }, "Indexing stopped"),
      h("div", { class: "progress-actions" }, button("Try again", "index-again", () => void startIndexing(), true))),
    h("p", { class: "error-text", "data-testid": "progress-error" }, `${e.message} (${e.code})`),
  );
}

async function pause(): Promise<void> {
  try {
    await api.indexPause();
    // The run may have finished meanwhile: only a running panel turns paused.
    if (state === "running") render("paused");
  } catch (err) {
    showToast((err as ApiError).message, undefined, "error");
  }
}

async function resume(): Promise<void> {
  try {
    await api.indexResume();
    if (state === "paused") render("running");
  } catch (err) {
    showToast((err as ApiError).message, undefined, "error");
  }
}

async function cancel(): Promise<void> {
  try {
    await api.indexCancel();
  } catch (err) {
    showToast((err as ApiError).message, undefined, "error");
  }
}

async function toggleErrors(): Promise<void> {
  const list = byTestId<HTMLElement>("progress-failures");
  if (!list.hidden) {
    list.hidden = true;
    return;
  }
  try {
    const failures = await api.libraryFailures(200);
    list.replaceChildren(
      h("ul", { role: "list" },
        ...failures.map((f) =>
          h("li", { "data-testid": "failure" }, h("span", { class: "failure-path" }, f.path), h("span", { class: "failure-message" }, `${withoutPath(f.message, f.path)} (${f.code})`)),
        )),
    );
    list.hidden = false;
  } catch (err) {
    showToast((err as ApiError).message, undefined, "error");
  }
}
