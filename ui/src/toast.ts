// One toast at a time, bottom centre: a message and an optional action (Undo / Redo).
import { h } from "./dom";

let timer: number | undefined;

export function showToast(
  message: string,
  action?: { label: string; run: () => void },
  kind: "info" | "error" = "info",
): void {
  const host = document.querySelector<HTMLElement>(".toast-host");
  if (!host) return;
  window.clearTimeout(timer);
  const toast = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": "toast" },
    h("span", { class: "toast-message", "data-testid": "toast-message" }, message),
  );
  if (action) {
    const button = h("button", { type: "button", class: "toast-action", "data-testid": "toast-action" }, action.label);
    button.addEventListener("click", () => {
      hideToast();
      action.run();
    });
    toast.append(button);
  }
  host.replaceChildren(toast);
  // Stays while the pointer or the focus is on it (time to reach Undo), then 8–10 s.
  const delay = kind === "error" ? 10000 : 8000;
  const arm = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(hideToast, delay);
  };
  const hold = (): void => window.clearTimeout(timer);
  toast.addEventListener("mouseenter", hold);
  toast.addEventListener("focusin", hold);
  toast.addEventListener("mouseleave", arm);
  toast.addEventListener("focusout", arm);
  arm();
}

export function hideToast(): void {
  document.querySelector(".toast-host")?.replaceChildren();
}
