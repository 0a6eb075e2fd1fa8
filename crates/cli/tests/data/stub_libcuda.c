/* A stand-in for the NVIDIA driver's libcuda.so.1, for testing the GPU pack on machines
   without a GPU (crates/cli/tests/gpu.rs builds it with cc).

   It answers the questions Likeness asks before it loads the GPU pack, as set by environment
   variables (defaults: cuInit succeeds, one device, CUDA 13.0):
     LIKENESS_STUB_CUINIT    the error cuInit returns (e.g. 100, CUDA_ERROR_NO_DEVICE)
     LIKENESS_STUB_VERSION   what cuDriverGetVersion reports (e.g. 12040 for CUDA 12.4)
     LIKENESS_STUB_DEVICES   how many devices cuDeviceGetCount reports
   and fails everything else with CUDA_ERROR_NO_DEVICE, as a driver whose GPU has gone would:
   the CUDA runtime inside the pack then refuses to start, and ONNX Runtime's CUDA execution
   provider reports it. The other symbols are the ones the pack's libraries link
   (nm -D --undefined-only on models/runtime/gpu/.../lib/*: cuGetErrorString, cuModule*,
   cuTensorMap*). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int env_int(const char *name, int fallback) {
  const char *v = getenv(name);
  return v && *v ? atoi(v) : fallback;
}

int cuInit(unsigned flags) { (void)flags; return env_int("LIKENESS_STUB_CUINIT", 0); }
int cuDriverGetVersion(int *v) { *v = env_int("LIKENESS_STUB_VERSION", 13000); return 0; }
int cuDeviceGetCount(int *n) { *n = env_int("LIKENESS_STUB_DEVICES", 1); return 0; }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int dev) {
  (void)dev;
  strncpy(name, "Stub GPU (no device behind it)", (size_t)len);
  return 0;
}
int cuDeviceTotalMem_v2(size_t *bytes, int dev) { (void)dev; *bytes = (size_t)8 << 30; return 0; }
int cuGetProcAddress(const char *s, void **p, int v, unsigned long long f) {
  (void)s; (void)v; (void)f; *p = NULL; return 100;
}
int cuGetProcAddress_v2(const char *s, void **p, int v, unsigned long long f, void *st) {
  (void)s; (void)v; (void)f; (void)st; *p = NULL; return 100;
}
int cuGetErrorString(int e, const char **s) { (void)e; *s = "no device (stub driver)"; return 0; }
int cuModuleGetFunction(void) { return 100; }
int cuModuleLoadData(void) { return 100; }
int cuModuleUnload(void) { return 100; }
int cuTensorMapEncodeIm2col(void) { return 100; }
int cuTensorMapEncodeTiled(void) { return 100; }
