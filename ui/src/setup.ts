// The set-up check at start. If the face-recognition runtime or a model it needs is missing or
// damaged (a broken install), a full-window message says what is wrong and what to do — the
// same words as `likeness doctor` — instead of a People page that stays empty for no visible
// reason. "Check again" reruns the check; "Continue without faces" opens the library anyway
// (photos and folders work, indexing reports the same problem).
import { api, type ApiError, type DoctorDto } from "./api";
import { h } from "./dom";

let shown: HTMLElement | null = null;

/** Runs the check; shows the message when something is wrong. Resolves when the app can go on
 * (at once when all is well, else when the person dismissed the message or fixed the cause). */
export async function checkSetup(): Promise<void> {
  let report: DoctorDto;
  try {
    report = await api.setupCheck();
  } catch (err) {
    // The check itself failed: say so, but never block the app on it.
    console.warn("set-up check failed", (err as ApiError).message);
    return;
  }
  if (report.ok) {
    close();
    return;
  }
  await new Promise<void>((resolve) => render(report, resolve));
}

function close(): void {
  shown?.remove();
  shown = null;
}

function render(report: DoctorDto, resolve: () => void): void {
  const again = h("button", { type: "button", class: "primary", "data-testid": "setup-check-again" }, "Check again");
  const skip = h("button", { type: "button", class: "secondary", "data-testid": "setup-continue" }, "Continue without faces");
  const status = h("p", { class: "hint", role: "status", "data-testid": "setup-status" });
  again.addEventListener("click", async () => {
    again.disabled = true;
    status.textContent = "Checking…";
    try {
      const next = await api.setupCheck();
      // Dismissed meanwhile ("Continue without faces"): the answer is no longer wanted.
      if (shown !== el) return;
      if (next.ok) {
        close();
        resolve();
        return;
      }
      render(next, resolve);
    } catch (err) {
      status.textContent = (err as ApiError).message;
      again.disabled = false;
    }
  });
  skip.addEventListener("click", () => {
    close();
    resolve();
  });
  // One "what to do" when every problem has the same fix (the usual case: reinstall).
  const fixes = [...new Set(report.problems.map((p) => p.fix))];
  const items = report.problems.map((p) =>
    h("li", { "data-testid": "setup-problem-item" },
      h("span", { class: "setup-what" }, p.what),
      h("span", { class: "setup-detail" }, p.detail),
      fixes.length > 1 ? h("span", { class: "setup-fix" }, `What to do: ${p.fix}.`) : null));
  const el = h("section", { class: "setup-problem", "data-testid": "setup-problem", role: "alertdialog", "aria-labelledby": "setup-title" },
    h("div", { class: "setup-card" },
      markSvg(),
      h("h1", { id: "setup-title" }, "Likeness cannot find faces yet"),
      h("p", { class: "setup-lead" }, "Part of Likeness is missing or damaged on this computer, so it cannot look for faces in your photos:"),
      h("ul", { class: "setup-list", role: "list" }, ...items),
      fixes.length === 1 ? h("p", { class: "setup-todo", "data-testid": "setup-fix" }, h("strong", {}, "What to do: "), `${capitalise(fixes[0])}.`) : null,
      h("p", { class: "hint" }, "Your photos and your library are safe: nothing was changed."),
      h("div", { class: "setup-actions" }, again, skip),
      status));
  close();
  shown = el;
  document.body.append(el);
  again.focus();
}

/** The app mark: the sidebar's symbol (SVG elements need the SVG namespace). */
function markSvg(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", "#likeness-mark");
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "setup-mark");
  svg.setAttribute("viewBox", "0 0 64 64");
  svg.setAttribute("aria-hidden", "true");
  svg.append(use);
  return svg;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
