/* Runs the decode step that attune-compile emitted from
 * models/llama_decode_gqa_dynP.linalg.mlir (entry `decode(const float *x,
 * const float *past, float *out, float *k, float *v, int64_t P)`: x and out
 * [1, 1, 64], past [2, 1, 2, P, 16], the new key and value [1, 2, 1, 16]) on
 * the exporter's inputs (x[i] = sin(0.37 i), past[i] = cos(0.11 i)) and
 * compares its three outputs, in order, with PyTorch's (one value per line):
 * PASS when the largest error is within 1e-4 of the largest magnitude.
 *
 *   run_decode models/llama_decode_gqa_dynP.P<P>.expected.txt P
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { HIDDEN = 64, KV = 2 * 16, MAX_P = 64 };

int32_t decode(const float *x, const float *past, float *out, float *k,
               float *v, int64_t p);

int main(int argc, char **argv) {
  int64_t p = argc == 3 ? atoll(argv[2]) : -1;
  if (p < 0 || p > MAX_P) {
    fprintf(stderr, "usage: %s EXPECTED.txt P (0..%d)\n", argv[0], MAX_P);
    return 2;
  }
  static float x[HIDDEN], past[2 * KV * MAX_P], results[HIDDEN + 2 * KV];
  for (int i = 0; i < HIDDEN; ++i)
    x[i] = sinf(0.37f * (float)i);
  for (int i = 0; i < 2 * KV * p; ++i)
    past[i] = cosf(0.11f * (float)i);
  for (int i = 0; i < HIDDEN + 2 * KV; ++i)
    results[i] = NAN; /* every element must be written */
  int32_t status =
      decode(x, past, results, results + HIDDEN, results + HIDDEN + KV, p);
  if (status != 0) {
    printf("FAIL: status %d\n", status);
    return 1;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    printf("FAIL: cannot read %s\n", argv[1]);
    return 1;
  }
  double maxErr = 0, maxAbs = 0, expected;
  int n = 0;
  while (n < HIDDEN + 2 * KV && fscanf(f, "%lf", &expected) == 1) {
    double err = fabs((double)results[n] - expected);
    if (!(err <= maxErr)) /* NaN counts as an error */
      maxErr = isnan(err) ? INFINITY : err;
    maxAbs = fmax(maxAbs, fabs(expected));
    ++n;
  }
  int extra = fscanf(f, "%lf", &expected) == 1;
  fclose(f);
  if (n != HIDDEN + 2 * KV || extra) {
    printf("FAIL: %s does not hold %d values\n", argv[1], HIDDEN + 2 * KV);
    return 1;
  }
  double bound = 1e-4 * (maxAbs > 1 ? maxAbs : 1);
  printf("max_abs_err=%.3g max_abs=%.3g bound=%.3g\n", maxErr, maxAbs, bound);
  printf(maxErr <= bound ? "PASS\n" : "FAIL: error above the bound\n");
  return maxErr <= bound ? 0 : 1;
}
