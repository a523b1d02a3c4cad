/* Runs the bfloat16 decoder block that attune-compile emitted from
 * models/llama_sdpa_gqa_causal_bf16.linalg.mlir (entry
 * `block(const uint16_t *x, uint16_t *out)`, [1, 16, 64] bf16) on the input
 * the exporter used (x[i] = sin(0.37 i) rounded to bf16) and holds it to
 * FlashAttention's rule: its largest error against the float64 reference
 * (on the same bf16 weights and input) at most twice PyTorch's own bf16
 * output's.
 *
 *   run_block_bf16 REFERENCE.txt PYTORCH.txt
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { N = 1 * 16 * 64 };

int32_t block(const uint16_t *x, uint16_t *out);

static uint16_t toBF16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  bits += 0x7fff + ((bits >> 16) & 1); /* round to nearest even */
  return (uint16_t)(bits >> 16);
}

static float fromBF16(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static int readValues(const char *path, double *values) {
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  int n = 0;
  while (n < N && fscanf(f, "%lf", &values[n]) == 1)
    ++n;
  double extra;
  if (fscanf(f, "%lf", &extra) == 1)
    n = -1;
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s REFERENCE.txt PYTORCH.txt\n", argv[0]);
    return 2;
  }
  static uint16_t x[N], out[N];
  static double reference[N], pytorch[N];
  for (int i = 0; i < N; ++i) {
    x[i] = toBF16(sinf(0.37f * (float)i));
    out[i] = 0x7fc0; /* NaN: every element must be written */
  }
  int32_t status = block(x, out);
  if (status != 0) {
    printf("FAIL: status %d\n", status);
    return 1;
  }
  if (readValues(argv[1], reference) != N ||
      readValues(argv[2], pytorch) != N) {
    printf("FAIL: %s and %s must hold %d values each\n", argv[1], argv[2], N);
    return 1;
  }
  double ours = 0, theirs = 0;
  for (int i = 0; i < N; ++i) {
    double err = fabs((double)fromBF16(out[i]) - reference[i]);
    if (!(err <= ours)) /* NaN counts as an error */
      ours = isnan(err) ? INFINITY : err;
    theirs = fmax(theirs, fabs(pytorch[i] - reference[i]));
  }
  printf("attune_max_err=%.3g pytorch_bf16_max_err=%.3g\n", ours, theirs);
  int pass = ours <= 2 * theirs;
  printf(pass ? "PASS\n" : "FAIL: error above twice PyTorch's\n");
  return pass ? 0 : 1;
}
