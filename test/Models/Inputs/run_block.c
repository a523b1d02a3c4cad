/* Runs a decoder block that attune-compile emitted from models/ (entry
 * `block(const float *x, float *out)`, x and out [1, 16, 64] f32) on the
 * input the exporter used, x[i] = sin(0.37 i), and compares the output with
 * PyTorch's (the file named on the command line, one value per line):
 * PASS when the largest error is within 1e-4 of the largest magnitude.
 *
 *   run_block models/llama_<...>.expected.txt
 *
 * Built with -DDYNAMIC_L, for the dynamic-length exports (entry
 * `block(const float *x, float *out, int64_t L)`, x and out [1, L, 64]):
 *
 *   run_block models/llama_<...>_dynL.L<L>.expected.txt L
 *
 * Built with -DDYNAMIC_B, for the dynamic-batch export (entry
 * `block(const float *x, float *out, int64_t B)`, x and out [B, 16, 64]):
 *
 *   run_block models/llama_<...>_dynB.B<B>.expected.txt B
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include <stdlib.h>

enum { MAX_N = 1 * 64 * 64 };

/* Elements per unit of the dynamic size (a position, or a batch row). */
#if defined(DYNAMIC_L)
#define DYNAMIC 64
#elif defined(DYNAMIC_B)
#define DYNAMIC (16 * 64)
#endif

#ifdef DYNAMIC
int32_t block(const float *x, float *out, int64_t size);
#else
int32_t block(const float *x, float *out);
#endif

int main(int argc, char **argv) {
#ifdef DYNAMIC
  int expectedArgs = 3;
  int64_t size = argc == 3 ? atoll(argv[2]) : -1, unit = DYNAMIC;
#else
  int expectedArgs = 2;
  int64_t size = 1, unit = 16 * 64;
#endif
  if (argc != expectedArgs || size < 0 || size * unit > MAX_N) {
    fprintf(stderr, "usage: %s EXPECTED.txt%s\n", argv[0],
            expectedArgs == 3 ? " SIZE" : "");
    return 2;
  }
  const int N = (int)(size * unit);
  static float x[MAX_N], out[MAX_N];
  for (int i = 0; i < MAX_N; ++i) {
    x[i] = sinf(0.37f * (float)i);
    out[i] = i < N ? NAN : 12345.0f; /* every element must be written, */
  }                                  /* none past the end */
#ifdef DYNAMIC
  int32_t status = block(x, out, size);
#else
  int32_t status = block(x, out);
#endif
  if (status != 0) {
    printf("FAIL: status %d\n", status);
    return 1;
  }
  for (int i = N; i < MAX_N; ++i)
    if (out[i] != 12345.0f) {
      printf("FAIL: out[%d] written past the end (%d elements)\n", i, N);
      return 1;
    }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    printf("FAIL: cannot read %s\n", argv[1]);
    return 1;
  }
  double maxErr = 0, maxAbs = 0;
  int n = 0;
  double expected;
  while (n < N && fscanf(f, "%lf", &expected) == 1) {
    double err = fabs((double)out[n] - expected);
    if (!(err <= maxErr)) /* NaN counts as an error */
      maxErr = isnan(err) ? INFINITY : err;
    if (fabs(expected) > maxAbs)
      maxAbs = fabs(expected);
    ++n;
  }
  int extra = fscanf(f, "%lf", &expected) == 1;
  fclose(f);
  if (n != N || extra) {
    printf("FAIL: %s holds %s%d values, expected %d\n", argv[1],
           extra ? "more than " : "", n, N);
    return 1;
  }
  double bound = 1e-4 * (maxAbs > 1 ? maxAbs : 1);
  printf("max_abs_err=%.3g max_abs=%.3g bound=%.3g\n", maxErr, maxAbs, bound);
  printf(maxErr <= bound ? "PASS\n" : "FAIL: error above the bound\n");
  return maxErr <= bound ? 0 : 1;
}
