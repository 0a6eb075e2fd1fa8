// Pure text helpers of the GPU section of Settings and of the progress panel (unit-tested in
// gpu-logic.test.ts): what runs the models, what installing the GPU pack costs, how far it is.
import type { GpuDto, GpuInstallProgressDto } from "./api";

/** Bytes as `1.57 GB` (decimal gigabytes, like the CLI's `likeness gpu`). */
export function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** What runs the face models now: `GPU: <device>` or `Running on CPU: <reason>`. */
export function gpuNow(gpu: Pick<GpuDto, "device" | "cpuReason" | "provider">): string {
  if (gpu.cpuReason) return cpuLine(gpu.cpuReason);
  if (gpu.device) return `GPU: ${gpu.device}`;
  return gpu.provider ? `Runs on ${gpu.provider}` : "Not known yet";
}

/** `Running on CPU: <reason>` (the reason as the engine words it). */
export function cpuLine(reason: string): string {
  return `Running on CPU: ${reason}`;
}

/** What installing costs: `Downloads 1.57 GB from PyPI (files.pythonhosted.org) and takes
 * 2.47 GB on disk`. */
export function installOffer(gpu: Pick<GpuDto, "downloadBytes" | "installedBytes" | "source">): string {
  return `Downloads ${gigabytes(gpu.downloadBytes)} from ${gpu.source} and takes ${gigabytes(gpu.installedBytes)} on disk`;
}

/** What the NVIDIA driver says, before anyone downloads 1.57 GB: the GPU it found, or that the
 * pack will not be used until a driver is installed. */
export function driverLine(gpu: Pick<GpuDto, "driverDevice" | "driverProblem">): string {
  if (gpu.driverDevice) return `Found: ${gpu.driverDevice}.`;
  if (gpu.driverProblem) {
    return `No usable NVIDIA GPU was found: ${gpu.driverProblem}. The pack is used only once an NVIDIA card and its driver (580 or newer) are there.`;
  }
  return "";
}

/** 0..100 for the install's progress bar. */
export function installPercent(p: Pick<GpuInstallProgressDto, "bytesDone" | "bytesTotal">): number {
  if (p.bytesTotal <= 0) return 0;
  return Math.min(100, Math.floor((100 * p.bytesDone) / p.bytesTotal));
}

const PHASES: Record<string, string> = {
  downloading: "Downloading",
  unpacking: "Unpacking",
  done: "Done",
};

/** A wheel's project name: `onnxruntime_gpu-1.31.1-cp311-….whl` → `onnxruntime_gpu`. */
export function wheelName(file: string): string {
  return file.replace(/\.whl$/, "").split("-")[0] ?? file;
}

/** The install's line: `Downloading onnxruntime_gpu: 0.42 of 1.57 GB (26%)`. */
export function installProgressText(p: GpuInstallProgressDto): string {
  const phase = PHASES[p.phase] ?? p.phase;
  const what = p.item ? `${phase} ${wheelName(p.item)}` : phase;
  const done = (p.bytesDone / 1e9).toFixed(2);
  return `${what}: ${done} of ${gigabytes(p.bytesTotal)} (${installPercent(p)}%)`;
}

/** The notice of a run whose GPU failed part way. */
export const FELL_BACK_NOTICE = "The GPU failed during this run; the rest runs on the CPU. No photo is lost.";
