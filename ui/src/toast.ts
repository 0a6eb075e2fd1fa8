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
  timer = window.setTimeout(hideToast, kind === "error" ? 8000 : 6000);
}

export function hideToast(): void {
  document.querySelector(".toast-host")?.replaceChildren();
}
