// The Settings screen: folders (a summary; the Folders screen manages them), how faces are
// found and grouped, models and hardware, XMP sidecars, and where the library lives. Every
// change is saved at once (settings.json beside the catalog) and says when it takes effect.
import { api, type ApiError, type LibraryDto, type SettingsDto, type SettingsInput } from "./api";
import { h } from "./dom";
import { reportError } from "./edits";
import { plural } from "./format";
import { GpuSection } from "./gpu-settings";
import type { Scope } from "./screen";
import { isWatching, startWatching, stopWatching } from "./watch";

type Choice<T extends string> = [T, string];

const DETECTION: Choice<SettingsDto["detection"]>[] = [
  ["low", "Low — faces of 40 px and more"],
  ["normal", "Normal — 20 px and more (default)"],
  ["high", "High — small faces too (12 px, slower)"],
];
const DETECTOR_LABELS: Record<string, string> = {
  mtcnn: "MTCNN (2016)",
  yunet: "YuNet (fast)",
  centerface: "CenterFace (finds more faces, slower)",
  retinaface: "RetinaFace (MobileNet)",
};
const CLUSTERING: Choice<SettingsDto["clustering"]>[] = [
  ["loose", "Loose — bigger groups, more suggestions"],
  ["balanced", "Balanced (default)"],
  ["strict", "Strict — smaller, purer groups"],
];
const PROVIDER: Choice<SettingsDto["provider"]>[] = [
  ["auto", "GPU when available"],
  ["cpu", "CPU only"],
];

/** Shows the Settings screen in `el`; what it starts (the GPU install's listener) ends with
 * `scope`. */
export async function showSettings(el: HTMLElement, scope: Scope): Promise<void> {
  // The GPU check takes a moment (it may run `doctor`): it fills its section when it answers.
  const gpu = new GpuSection(scope);
  const gpuLoaded = gpu.load();
  let settings: SettingsDto;
  let lib: LibraryDto;
  try {
    [settings, lib] = await Promise.all([api.settingsGet(), api.libraryInfo()]);
  } catch (err) {
    reportError(err as ApiError);
    return;
  }
  if (el.dataset.screen !== "settings" || !scope.alive) return;
  render(el, settings, lib, gpu.el);
  await gpuLoaded;
}

function render(el: HTMLElement, s: SettingsDto, lib: LibraryDto, gpu: HTMLElement): void {
  const saved = h("p", { class: "settings-saved", role: "status", "data-testid": "settings-saved" }, "");
  const save = async (change: Partial<SettingsInput>): Promise<void> => {
    const input: SettingsInput = {
      detector: s.detector,
      detection: s.detection,
      clustering: s.clustering,
      provider: s.provider,
      xmpAutoExport: s.xmpAutoExport,
      includeLowQuality: s.includeLowQuality,
      ...change,
    };
    saved.textContent = "Saving…";
    try {
      s = await api.settingsSet(input);
      saved.textContent = "Saved.";
    } catch (err) {
      saved.textContent = "";
      reportError(err as ApiError);
      render(el, s, lib, gpu);
    }
  };

  const warnings = s.warnings.length === 0
    ? ""
    : h("section", { class: "settings-section", role: "alert", "data-testid": "settings-warnings" },
        h("h2", {}, "Some files could not be used"),
        ...s.warnings.map((w) => h("p", { class: "settings-note error-text" }, w)));

  const manage = h("button", { type: "button", class: "secondary small", "data-testid": "settings-folders-manage" }, "Manage folders…");
  manage.addEventListener("click", () => document.querySelector<HTMLButtonElement>('[data-nav="folders"]')?.click());
  const folders = h("section", { class: "settings-section", "aria-labelledby": "settings-folders-h" },
    h("h2", { id: "settings-folders-h" }, "Folders"),
    lib.roots.length === 0
      ? h("p", { class: "settings-note" }, "No photo folders yet.")
      : h("ul", { class: "folder-list", role: "list", "data-testid": "settings-folders" },
          ...lib.roots.map((r) => h("li", { class: "path" }, r.path))),
    h("p", { class: "settings-note", "data-testid": "settings-counts" },
      `${plural(lib.photos, "photo")} · ${plural(lib.faces, "face")} · ${plural(lib.people, "person", "people")}`),
    h("div", {}, manage));

  const detectors: Choice<string>[] = s.detectors.map((d) => [d, DETECTOR_LABELS[d] ?? d]);
  const detector = select("settings-detector", "Face detector", detectors, s.detector, (v) => void save({ detector: v }));
  const detection = select("settings-detection", "Detection sensitivity", DETECTION, s.detection, (v) => void save({ detection: v }));
  const clustering = select("settings-clustering", "Clustering strictness", CLUSTERING, s.clustering, (v) => void save({ clustering: v }));
  const recluster = h("button", { type: "button", class: "secondary small", "data-testid": "settings-recluster" }, "Re-cluster now");
  const reclustered = h("span", { class: "settings-note", role: "status", "data-testid": "settings-reclustered" }, "");
  recluster.addEventListener("click", async () => {
    recluster.disabled = true;
    reclustered.textContent = "Grouping faces…";
    // The library runs one job at a time: live mode pauses while faces are grouped again.
    const resume = isWatching();
    try {
      await stopWatching();
      const r = await api.peopleRecluster();
      reclustered.textContent = `Done: ${plural(r.clusters, "group")} from ${plural(r.clustered, "face")}. Names and your corrections were kept.`;
    } catch (err) {
      reclustered.textContent = "";
      reportError(err as ApiError);
    } finally {
      recluster.disabled = false;
      if (resume) void startWatching();
    }
  });
  const lowQuality = h("input", { type: "checkbox", "data-testid": "settings-low-quality" });
  lowQuality.checked = s.includeLowQuality;
  lowQuality.addEventListener("change", () => void save({ includeLowQuality: lowQuality.checked }));
  const faces = h("section", { class: "settings-section", "aria-labelledby": "settings-faces-h" },
    h("h2", { id: "settings-faces-h" }, "Finding and grouping faces"),
    row("Face detector", detector),
    h("p", { class: "settings-note" }, "A new detector finds the faces of every photo again, in the background. Names, confirmed faces and corrections carry over."),
    row("Detection sensitivity", detection),
    h("p", { class: "settings-note" }, "Applies to photos indexed from now on."),
    row("Clustering strictness", clustering),
    h("label", { class: "check" }, lowQuality, "Include small and blurry faces in groups"),
    h("p", { class: "settings-note" }, "Off: tiny, blurred or doubtful faces stay in the photos and can be named by hand, but are never grouped or suggested by themselves."),
    h("p", { class: "settings-note" }, "Applies at the next clustering (after indexing), or now:"),
    h("div", { class: "settings-actions" }, recluster, " ", reclustered));

  const provider = select("settings-provider", "Hardware", PROVIDER, s.provider, (v) => void save({ provider: v }));
  const models = h("section", { class: "settings-section", "aria-labelledby": "settings-models-h" },
    h("h2", { id: "settings-models-h" }, "Models and hardware"),
    row("Run models on", provider),
    h("p", { class: "settings-note" }, "Applies at the next indexing run."),
    row("In use now", h("span", { "data-testid": "settings-active-provider" }, s.activeProvider ?? "not loaded yet (loads when indexing starts)")),
    row("Models folder", h("span", { class: "path", "data-testid": "settings-models-dir" }, s.modelsDir ?? `not found: ${s.modelsError ?? ""}`)),
    row("Models", h("span", { class: "path", "data-testid": "settings-models" }, s.models.map((m) => `${m.name} (${m.file})`).join(", "))));

  const xmp = h("input", { type: "checkbox", "data-testid": "settings-xmp-auto" });
  xmp.checked = s.xmpAutoExport;
  xmp.addEventListener("change", () => void save({ xmpAutoExport: xmp.checked }));
  const sidecars = h("section", { class: "settings-section", "aria-labelledby": "settings-xmp-h" },
    h("h2", { id: "settings-xmp-h" }, "XMP sidecars"),
    h("label", { class: "check" }, xmp, "Write names to XMP sidecars after every change"),
    h("p", { class: "settings-note" },
      "Other photo apps (Lightroom, digiKam, darktable) read the names from a .xmp file beside each photo. The photos themselves are never changed. Takes effect at once."));

  const choose = h("button", { type: "button", class: "secondary small", "data-testid": "settings-location-choose" }, "Choose folder…");
  choose.addEventListener("click", async () => {
    try {
      const folder = await api.pickFolder();
      if (!folder) return;
      s = await api.libraryLocationSet(folder);
      render(el, s, lib, gpu);
    } catch (err) {
      reportError(err as ApiError);
    }
  });
  const reset = h("button", { type: "button", class: "secondary small", "data-testid": "settings-location-default" }, "Use the default place");
  reset.addEventListener("click", async () => {
    try {
      s = await api.libraryLocationSet(null);
      render(el, s, lib, gpu);
    } catch (err) {
      reportError(err as ApiError);
    }
  });
  const source = {
    environment: "Set by LIKENESS_CATALOG, which wins over the choice below.",
    chosen: "The folder you chose.",
    default: "The default place.",
  }[s.locationSource];
  const location = h("section", { class: "settings-section", "aria-labelledby": "settings-location-h" },
    h("h2", { id: "settings-location-h" }, "Library location"),
    row("Catalog", h("span", { class: "path", "data-testid": "settings-catalog" }, s.catalog)),
    row("Thumbnails", h("span", { class: "path" }, s.cache)),
    h("p", { class: "settings-note", "data-testid": "settings-location-source" }, source),
    row("Next start", h("span", { class: "path", "data-testid": "settings-next-library" }, s.nextLibrary ?? "the default place")),
    h("div", { class: "settings-actions" }, choose, " ", reset),
    h("p", { class: "settings-note" },
      "Takes effect after a restart. The current library is not moved: a new folder starts a new library, and choosing this one again brings it back."));

  el.replaceChildren(
    h("header", { class: "screen-head" }, h("h1", {}, "Settings"), h("div", { class: "spacer" }), saved),
    warnings, folders, faces, models, gpu, sidecars, location,
    h("p", { class: "settings-note" }, `Settings file: ${s.settingsFile}`),
  );
}

function row(label: string, control: HTMLElement): HTMLElement {
  const id = control.id || control.dataset.testid || "";
  return h("div", { class: "settings-row" }, h("label", { for: id }, label), control);
}

function select<T extends string>(testid: string, label: string, choices: Choice<T>[], value: T, changed: (v: T) => void): HTMLSelectElement {
  const el = h("select", { id: testid, "aria-label": label, "data-testid": testid },
    ...choices.map(([v, text]) => h("option", { value: v }, text)));
  el.value = value;
  el.addEventListener("change", () => changed(el.value as T));
  return el;
}
