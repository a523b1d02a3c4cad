/* Runs a decoder block that attune-compile emitted from models/ (entry
 * `block(const float *x, float *out)`, x and out [1, 16, 64] f32) on the
 * input the exporter used, x[i] = sin(0.37 i), and compares the output with
 * PyTorch's (the file named on the command line, one value per line):
 * PASS when the largest error is within 1e-4 of the largest magnitude.
 *
 *   run_block models/llama_<...>.expected.txt
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

enum { N = 1 * 16 * 64 };

int32_t block(const float *x, float *out);

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s EXPECTED.txt\n", argv[0]);
    return 2;
  }
  static float x[N], out[N];
  for (int i = 0; i < N; ++i) {
    x[i] = sinf(0.37f * (float)i);
    out[i] = NAN; /* every element must be written */
  }
  int32_t status = block(x, out);
  if (status != 0) {
    printf("FAIL: status %d\n", status);
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
  fclose(f);
  if (n != N) {
    printf("FAIL: %s holds %d values, expected %d\n", argv[1], n, N);
    return 1;
  }
  double bound = 1e-4 * (maxAbs > 1 ? maxAbs : 1);
  printf("max_abs_err=%.3g max_abs=%.3g bound=%.3g\n", maxErr, maxAbs, bound);
  printf(maxErr <= bound ? "PASS\n" : "FAIL: error above the bound\n");
  return maxErr <= bound ? 0 : 1;
}
