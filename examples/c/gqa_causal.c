/* Calls the kernel that attune-compile emitted from examples/gqa_causal.mlir
 * (GQA 8:2, causal, D = 64, bf16, with LSE), checks every output element
 * against a float64 attention written here, and checks that bad arguments
 * are refused with nothing written.
 *
 *   attune-compile examples/gqa_causal.mlir -o gqa_causal.o --header gqa_causal.h
 *   cc -I. examples/c/gqa_causal.c gqa_causal.o -lm -lomp -o gqa_causal
 *   ./gqa_causal [batch q_len kv_len]
 */
#include "gqa_causal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HQ = 8, HKV = 2, D = 64 };

static uint16_t to_bf16(float x) { /* round to nearest even */
  uint32_t bits;
  memcpy(&bits, &x, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  return (uint16_t)(bits >> 16);
}

static double from_bf16(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float x;
  memcpy(&x, &bits, 4);
  return x;
}

static uint16_t *random_bf16(size_t n, unsigned *seed) {
  uint16_t *data = malloc(n * sizeof *data);
  for (size_t i = 0; i < n; ++i)
    data[i] = to_bf16((float)((double)rand_r(seed) / RAND_MAX * 2.0 - 1.0));
  return data;
}

int main(int argc, char **argv) {
  int64_t batch = argc > 3 ? atoll(argv[1]) : 2;
  int64_t q_len = argc > 3 ? atoll(argv[2]) : 37;
  int64_t kv_len = argc > 3 ? atoll(argv[3]) : 53;
  unsigned seed = 7;
  size_t nq = batch * HQ * q_len * D, nkv = batch * HKV * kv_len * D;
  size_t nl = batch * HQ * q_len;
  uint16_t *q = random_bf16(nq, &seed), *k = random_bf16(nkv, &seed);
  uint16_t *v = random_bf16(nkv, &seed);
  uint16_t *out = malloc(nq * sizeof *out);
  float *lse = malloc(nl * sizeof *lse);
  memset(out, 0xff, nq * sizeof *out); /* NaN everywhere: must be overwritten */
  memset(lse, 0xff, nl * sizeof *lse);

  /* Bad arguments: an error code and not one element written. */
  int bad_null = gqa_causal(q, NULL, v, out, lse, batch, q_len, kv_len);
  int bad_size = gqa_causal(q, k, v, out, lse, batch, -1, kv_len);
  int untouched = 1;
  for (size_t i = 0; i < nq; ++i)
    untouched &= out[i] == 0xffff;
  if (bad_null != ATTUNE_ERR_NULL_POINTER || bad_size != ATTUNE_ERR_BAD_SIZE ||
      !untouched) {
    printf("FAIL: bad arguments gave %d and %d (output %s)\n", bad_null,
           bad_size, untouched ? "untouched" : "written");
    return 1;
  }

  int status = gqa_causal(q, k, v, out, lse, batch, q_len, kv_len);
  if (status != ATTUNE_OK) {
    printf("FAIL: status %d\n", status);
    return 1;
  }

  /* float64 reference: causal aligned bottom-right, query head h reads KV
   * head h / 4, scale 1/sqrt(D). */
  double max_err = 0, max_lse_err = 0, scale = 1.0 / sqrt(D);
  double *s = malloc(kv_len * sizeof *s);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < HQ; ++h)
      for (int64_t i = 0; i < q_len; ++i) {
        const uint16_t *qi = q + ((b * HQ + h) * q_len + i) * D;
        int64_t kv = h / (HQ / HKV), diag = i + kv_len - q_len;
        double m = -INFINITY, l = 0;
        for (int64_t j = 0; j < kv_len && j <= diag; ++j) {
          const uint16_t *kj = k + ((b * HKV + kv) * kv_len + j) * D;
          double dot = 0;
          for (int d = 0; d < D; ++d)
            dot += from_bf16(qi[d]) * from_bf16(kj[d]);
          s[j] = dot * scale;
          m = fmax(m, s[j]);
        }
        for (int64_t j = 0; j < kv_len && j <= diag; ++j)
          l += exp(s[j] - m);
        for (int d = 0; d < D; ++d) {
          double o = 0;
          for (int64_t j = 0; j < kv_len && j <= diag; ++j)
            o += exp(s[j] - m) / l *
                 from_bf16(v[((b * HKV + kv) * kv_len + j) * D + d]);
          double got = from_bf16(out[((b * HQ + h) * q_len + i) * D + d]);
          max_err = fmax(max_err, isnan(got) ? INFINITY : fabs(got - o));
        }
        double ref_lse = l > 0 ? m + log(l) : -INFINITY;
        double got_lse = lse[(b * HQ + h) * q_len + i];
        double lse_err = ref_lse == got_lse ? 0 : fabs(got_lse - ref_lse);
        max_lse_err = fmax(max_lse_err, isnan(got_lse) ? INFINITY : lse_err);
      }
  /* bf16 output: one rounding of values below 1 is at most 2^-9. */
  int ok = max_err <= 4e-3 && max_lse_err <= 1e-4;
  printf("gqa_causal B=%lld Lq=%lld Lk=%lld: max_err=%.3e lse_err=%.3e %s\n",
         (long long)batch, (long long)q_len, (long long)kv_len, max_err,
         max_lse_err, ok ? "PASS" : "FAIL");
  free(q), free(k), free(v), free(out), free(lse), free(s);
  return ok ? 0 : 1;
}
