/* Runs bf16_rmsnorm.mlir's object against RMSNorm in double precision. */
#include "bf16_rmsnorm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint16_t to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static float from_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

int main(void) {
  uint16_t x[4][64], w[64], out[4][64];
  for (int c = 0; c < 64; ++c)
    w[c] = to_bf16(0.5f + (float)((c * 37) % 17) / 16.0f);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 64; ++c)
      x[r][c] = to_bf16((float)(((r * 64 + c) * 7919) % 201 - 100) /
                        (r == 3 ? 1000.0f : 50.0f));
  int32_t status = rmsnorm(&x[0][0], w, &out[0][0]);
  double worst = 0;
  for (int r = 0; r < 4; ++r) {
    double sum = 0;
    for (int c = 0; c < 64; ++c)
      sum += (double)from_bf16(x[r][c]) * from_bf16(x[r][c]);
    double scale = 1.0 / sqrt(sum / 64 + 1e-5);
    for (int c = 0; c < 64; ++c) {
      double want = from_bf16(x[r][c]) * scale * from_bf16(w[c]);
      double err = fabs(from_bf16(out[r][c]) - want) / (fabs(want) + 1e-3);
      if (!(err <= worst))
        worst = err; /* NaN too */
    }
  }
  /* bf16 keeps 8 significant bits; a dozen roundings in bf16 stay well
   * inside 2^-4 relative. */
  printf("status %d, worst relative error %.4f: %s\n", status, worst,
         status == 0 && worst < 0.0625 ? "PASS" : "FAIL");
  return 0;
}
