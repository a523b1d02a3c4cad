/* Runs the emitted long_f32 kernel at length L and reports how much the
 * process's peak resident memory grew during the call: a fused kernel needs
 * O(L * D) (here, nothing beyond per-thread tiles), an unfused one O(L^2)
 * (4 L^2 bytes of scores: 4 GiB at L = 32768). Checks a few rows against a
 * float64 reference so that a kernel doing nothing cannot pass. */
#include "long_f32.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

enum { D = 32 };

static long peak_kib(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int main(int argc, char **argv) {
  long len = argc > 1 ? atol(argv[1]) : 32768;
  size_t n = (size_t)len * D;
  float *q = malloc(n * 4), *k = malloc(n * 4), *v = malloc(n * 4);
  float *out = malloc(n * 4);
  unsigned seed = 3;
  for (size_t i = 0; i < n; ++i) {
    q[i] = (float)rand_r(&seed) / RAND_MAX - 0.5f;
    k[i] = (float)rand_r(&seed) / RAND_MAX - 0.5f;
    v[i] = (float)rand_r(&seed) / RAND_MAX - 0.5f;
    out[i] = NAN;
  }
  long before = peak_kib();
  if (long_f32(q, k, v, out, len, len) != ATTUNE_OK) {
    printf("FAIL: status\n");
    return 1;
  }
  long grown = peak_kib() - before;
  double max_err = 0, scale = 1 / sqrt((double)D);
  double *s = malloc(len * sizeof *s);
  for (long i = 0; i < len; i += len / 7 + 1) {
    double m = -INFINITY, l = 0;
    for (long j = 0; j < len; ++j) {
      double dot = 0;
      for (int d = 0; d < D; ++d)
        dot += (double)q[i * D + d] * k[j * D + d];
      s[j] = dot * scale;
      m = fmax(m, s[j]);
    }
    for (long j = 0; j < len; ++j)
      l += exp(s[j] - m);
    for (int d = 0; d < D; ++d) {
      double o = 0;
      for (long j = 0; j < len; ++j)
        o += exp(s[j] - m) / l * v[j * D + d];
      double err = fabs(o - out[i * D + d]);
      max_err = isnan(err) ? INFINITY : fmax(max_err, err);
    }
  }
  printf("L=%ld peak memory growth %ld KiB (O(L^2) scores would be %.0f KiB), "
         "max_err %.2e\n",
         len, grown, 4.0 * len * len / 1024, max_err);
  int ok = grown < 64 * 1024 && max_err < 1e-4;
  printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
