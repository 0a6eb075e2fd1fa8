import { describe, expect, it } from "vitest";
import { cpuLine, driverLine, gigabytes, gpuNow, installOffer, installPercent, installProgressText, wheelName } from "./gpu-logic";

describe("gpu-logic", () => {
  it("writes decimal gigabytes with two decimals", () => {
    expect(gigabytes(1_571_234_567)).toBe("1.57 GB");
    expect(gigabytes(2_468_000_000)).toBe("2.47 GB");
    expect(gigabytes(0)).toBe("0.00 GB");
  });

  it("says what the driver found before anyone downloads the pack", () => {
    expect(driverLine({ driverDevice: "NVIDIA RTX 4070, 11.6 GiB, driver CUDA 13.0", driverProblem: null })).toBe(
      "Found: NVIDIA RTX 4070, 11.6 GiB, driver CUDA 13.0.",
    );
    expect(driverLine({ driverDevice: null, driverProblem: "no NVIDIA driver is installed" })).toBe(
      "No usable NVIDIA GPU was found: no NVIDIA driver is installed. The pack is used only once an NVIDIA card and its driver (580 or newer) are there.",
    );
    expect(driverLine({ driverDevice: null, driverProblem: null })).toBe("");
  });

  it("says what runs the models", () => {
    expect(gpuNow({ device: "NVIDIA H100, 79.2 GiB", cpuReason: null, provider: "CUDA (GPU)" })).toBe("GPU: NVIDIA H100, 79.2 GiB");
    expect(gpuNow({ device: null, cpuReason: "no NVIDIA driver", provider: "CPU" })).toBe("Running on CPU: no NVIDIA driver");
    // A reason wins over a stale device.
    expect(gpuNow({ device: "X", cpuReason: "the GPU failed", provider: "CPU" })).toBe("Running on CPU: the GPU failed");
    expect(gpuNow({ device: null, cpuReason: null, provider: "CoreML" })).toBe("Runs on CoreML");
    expect(gpuNow({ device: null, cpuReason: null, provider: null })).toBe("Not known yet");
    expect(cpuLine("x")).toBe("Running on CPU: x");
  });

  it("says what installing costs, from the report", () => {
    expect(installOffer({ downloadBytes: 1_570_000_000, installedBytes: 2_470_000_000, source: "PyPI (files.pythonhosted.org)" }))
      .toBe("Downloads 1.57 GB from PyPI (files.pythonhosted.org) and takes 2.47 GB on disk");
    expect(installOffer({ downloadBytes: 1e9, installedBytes: 2e9, source: "the folder /w" }))
      .toBe("Downloads 1.00 GB from the folder /w and takes 2.00 GB on disk");
  });

  it("follows the install", () => {
    expect(installPercent({ bytesDone: 0, bytesTotal: 0 })).toBe(0);
    expect(installPercent({ bytesDone: 1, bytesTotal: 3 })).toBe(33);
    expect(installPercent({ bytesDone: 5, bytesTotal: 4 })).toBe(100);
    expect(wheelName("onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl")).toBe("onnxruntime_gpu");
    expect(wheelName("odd.whl")).toBe("odd");
    expect(installProgressText({ phase: "downloading", item: "onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl", bytesDone: 420_000_000, bytesTotal: 1_570_000_000 }))
      .toBe("Downloading onnxruntime_gpu: 0.42 of 1.57 GB (26%)");
    expect(installProgressText({ phase: "unpacking", item: "nvidia_cudnn_cu13-9.13.0.50-py3-none-manylinux_2_27_x86_64.whl", bytesDone: 1e9, bytesTotal: 1_570_000_000 }))
      .toBe("Unpacking nvidia_cudnn_cu13: 1.00 of 1.57 GB (63%)");
    expect(installProgressText({ phase: "done", item: "", bytesDone: 1_570_000_000, bytesTotal: 1_570_000_000 }))
      .toBe("Done: 1.57 of 1.57 GB (100%)");
  });
});
