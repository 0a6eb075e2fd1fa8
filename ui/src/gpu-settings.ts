// The GPU section of Settings: what runs the face models now (the GPU, or the CPU and why), and
// the NVIDIA GPU pack — install it (progress, cancel, the error in words and a retry that
// resumes), restart to use it, or remove it. Its elements are built once and shown or hidden by
// state, so a progress sample never replaces the button under the pointer. The install runs in
// the shell and outlives the screen: a section mounted later asks where it stands
// (`gpuInstallLast`) and follows the `gpu-install` event through the screen's Scope.
import { api, type ApiError, type GpuDto, type GpuInstallEvent, type GpuInstallProgressDto } from "./api";
import { h } from "./dom";
import { driverLine, gpuNow, installOffer, installPercent, installProgressText } from "./gpu-logic";
import type { Scope } from "./screen";

type InstallState = "idle" | "running" | "installed" | "failed" | "cancelled";

export class GpuSection {
  /** The section, to place on the Settings page (the same node across re-renders). */
  readonly el: HTMLElement;
  private gpu: GpuDto | null = null;
  private loadError: ApiError | null = null;
  private install: InstallState = "idle";
  private progress: GpuInstallProgressDto | null = null;
  private error: ApiError | null = null;
  private message = "";

  private readonly status = h("span", { "data-testid": "gpu-status" }, "Checking…");
  private readonly unavailable = h("p", { class: "settings-note", "data-testid": "gpu-unavailable" },
    "The GPU pack is for NVIDIA graphics cards on Linux (x86_64) only. On this computer the face models run on the CPU.");
  private readonly installButton = h("button", { type: "button", class: "primary small", "data-testid": "gpu-install" }, "Use my NVIDIA GPU");
  private readonly offerNote = h("span", { class: "settings-note", "data-testid": "gpu-install-note" });
  private readonly driverNote = h("p", { class: "settings-note", "data-testid": "gpu-driver" });
  private readonly offer = h("div", { class: "gpu-block" },
    h("p", { class: "settings-note" }, "An NVIDIA graphics card can run the face models instead of the CPU (driver 580 or newer). Likeness needs NVIDIA's libraries for it, downloaded once. Not yet tried on a real GPU."),
    this.driverNote,
    h("div", { class: "gpu-offer" }, this.installButton, this.offerNote));
  private readonly progressText = h("span", { class: "gpu-progress-text", "data-testid": "gpu-progress-text" });
  private readonly fill = h("div", { class: "bar-fill" });
  private readonly bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "GPU pack download", "data-testid": "gpu-progress-bar" }, this.fill);
  private readonly cancelButton = h("button", { type: "button", class: "secondary small", "data-testid": "gpu-cancel" }, "Cancel");
  private readonly progressBox = h("div", { class: "gpu-block", "data-testid": "gpu-progress" },
    h("div", { class: "gpu-progress-head" }, this.progressText, this.cancelButton),
    this.bar);
  private readonly errorText = h("p", { class: "error-text", role: "alert", "data-testid": "gpu-error" });
  private readonly errorBox = h("div", { class: "gpu-block" },
    this.errorText,
    h("p", { class: "settings-note" }, "Trying again picks up where it stopped: files already unpacked are kept."));
  private readonly restartButton = h("button", { type: "button", class: "primary small", "data-testid": "gpu-restart" }, "Restart now");
  private readonly installed = h("div", { class: "gpu-offer", "data-testid": "gpu-installed" },
    h("span", {}, "Installed. Restart Likeness to use the GPU."), this.restartButton);
  private readonly packDir = h("span", { class: "path", "data-testid": "gpu-pack-dir" });
  private readonly removeButton = h("button", { type: "button", class: "secondary small", "data-testid": "gpu-remove" }, "Remove GPU pack");
  private readonly pack = h("div", { class: "gpu-block" },
    h("div", { class: "settings-row" }, h("span", {}, "GPU pack"), this.packDir),
    h("div", { class: "settings-actions" }, this.removeButton));
  private readonly note = h("p", { class: "settings-note", role: "status", "data-testid": "gpu-message" });

  constructor(private readonly scope: Scope) {
    this.el = h("section", { class: "settings-section", "aria-labelledby": "settings-gpu-h", "data-testid": "gpu-section" },
      h("h2", { id: "settings-gpu-h" }, "GPU"),
      h("div", { class: "settings-row" }, h("span", {}, "Face models run on"), this.status),
      this.unavailable, this.errorBox, this.offer, this.progressBox, this.installed, this.pack, this.note);
    this.installButton.addEventListener("click", () => void this.startInstall());
    this.cancelButton.addEventListener("click", () => void this.cancel());
    this.restartButton.addEventListener("click", () => void this.restart());
    this.removeButton.addEventListener("click", () => void this.remove());
    void api.onGpuInstall((e) => this.onEvent(e)).then((unlisten) => {
      if (scope.alive) scope.add(unlisten);
      else unlisten();
    });
    this.paint();
  }

  /** Asks where the models run and where an install of this app run stands. */
  async load(): Promise<void> {
    try {
      const [gpu, last] = await Promise.all([api.gpuStatus(), api.gpuInstallLast()]);
      if (!this.scope.alive) return;
      this.gpu = gpu;
      this.loadError = null;
      // An event that came meanwhile is newer than `last`.
      if (last && this.install === "idle") this.apply(last);
    } catch (err) {
      if (!this.scope.alive) return;
      this.loadError = err as ApiError;
    }
    this.paint();
  }

  private onEvent(e: GpuInstallEvent): void {
    if (!this.scope.alive) return;
    this.apply(e);
    this.paint();
    // Installed or removed: the pack's state changed.
    if (e.event === "installed") void this.load();
  }

  private apply(e: GpuInstallEvent): void {
    switch (e.event) {
      case "progress":
        this.install = "running";
        this.progress = e.data;
        break;
      case "installed":
        this.install = "installed";
        this.message = "";
        break;
      case "cancelled":
        this.install = "cancelled";
        this.message = "Cancelled. What was already unpacked is kept for the next try.";
        break;
      case "failed":
        this.install = "failed";
        this.error = e.data;
        break;
    }
  }

  private async startInstall(): Promise<void> {
    this.install = "running";
    this.progress = null;
    this.error = null;
    this.message = "";
    this.paint();
    this.cancelButton.focus();
    try {
      await api.gpuInstall();
    } catch (err) {
      const e = err as ApiError;
      // Already running (started from a screen shown earlier): follow it.
      if (e.code === "gpu_installing" || !this.scope.alive) return;
      this.install = "failed";
      this.error = e;
      this.paint();
    }
  }

  private async cancel(): Promise<void> {
    this.cancelButton.disabled = true;
    this.progressText.textContent = "Cancelling…";
    try {
      await api.gpuInstallCancel();
    } catch (err) {
      // Finished meanwhile: its last event says how.
      console.warn("cancel", (err as ApiError).message);
    }
  }

  private async restart(): Promise<void> {
    this.restartButton.disabled = true;
    this.message = "Restarting…";
    this.paint();
    try {
      await api.restartApp();
    } catch (err) {
      if (!this.scope.alive) return;
      this.restartButton.disabled = false;
      this.message = `Could not restart: ${(err as ApiError).message}. Close Likeness and open it again.`;
      this.paint();
    }
  }

  private async remove(): Promise<void> {
    this.removeButton.disabled = true;
    try {
      const removed = await api.gpuRemove();
      if (!this.scope.alive) return;
      this.install = "idle";
      this.message = removed ? "Removed. From the next start the face models run on the CPU." : "There was no GPU pack to remove.";
      await this.load();
    } catch (err) {
      if (!this.scope.alive) return;
      this.message = `Could not remove the GPU pack: ${(err as ApiError).message}`;
      this.paint();
    } finally {
      this.removeButton.disabled = false;
    }
  }

  private paint(): void {
    const gpu = this.gpu;
    const state = this.install;
    this.status.textContent = gpu ? gpuNow(gpu) : this.loadError ? `Not known: ${this.loadError.message}` : "Checking…";
    this.status.classList.toggle("error-text", !gpu && this.loadError !== null);
    this.unavailable.hidden = !gpu || gpu.packAvailable;
    const offered = gpu !== null && gpu.packAvailable && !gpu.installed;
    this.offer.hidden = !offered || state === "running" || state === "installed";
    if (gpu) this.offerNote.textContent = installOffer(gpu);
    this.driverNote.textContent = gpu ? driverLine(gpu) : "";
    this.driverNote.classList.toggle("warning-text", !!gpu?.driverProblem);
    this.progressBox.hidden = state !== "running";
    if (state === "running") {
      const p = this.progress;
      this.cancelButton.disabled = false;
      this.progressText.textContent = p ? installProgressText(p) : "Starting the download…";
      const pct = p ? installPercent(p) : 0;
      this.bar.setAttribute("aria-valuenow", String(pct));
      // Through the CSSOM: the CSP forbids inline style attributes.
      this.fill.style.width = `${pct}%`;
      this.bar.classList.toggle("indeterminate", !p);
    }
    this.errorBox.hidden = state !== "failed";
    this.errorText.textContent = this.error ? `The GPU pack could not be installed: ${this.error.message}` : "";
    this.installed.hidden = state !== "installed";
    this.pack.hidden = !gpu || !gpu.installed || state === "running" || state === "installed";
    this.packDir.textContent = gpu?.packDir ?? "";
    this.note.textContent = this.message;
    this.note.hidden = this.message === "";
  }
}
