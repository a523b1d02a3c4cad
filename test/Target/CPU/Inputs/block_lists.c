/* The entry point refuses block lists with fewer query blocks than the
 * queries need (40 queries in blocks of 16: 3), and writes nothing then; it
 * accepts 3. */
#include "block_lists.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { LQ = 40, LK = 32, D = 16 };

int main(void) {
  static float q[LQ * D], k[LK * D], v[LK * D], out[LQ * D];
  for (int i = 0; i < LQ * D; ++i)
    q[i] = (float)(i % 7) * 0.1f;
  for (int i = 0; i < LK * D; ++i)
    k[i] = v[i] = (float)(i % 5) * 0.1f;
  /* Every query block lists both key blocks. */
  int32_t counts[3] = {2, 2, 2}, indices[3 * 2] = {0, 1, 0, 1, 0, 1};
  memset(out, 0xff, sizeof out);
  int bad = block_lists(q, k, v, counts, indices, out, LQ, LK, 2, 2);
  int untouched = 1;
  for (size_t i = 0; i < sizeof out / sizeof *out; ++i)
    untouched &= out[i] != out[i]; /* still NaN */
  int good = block_lists(q, k, v, counts, indices, out, LQ, LK, 3, 2);
  int written = 1;
  for (size_t i = 0; i < sizeof out / sizeof *out; ++i)
    written &= out[i] == out[i];
  printf("q_blocks=2: %d (%s), q_blocks=3: %d (%s)\n", bad,
         untouched ? "nothing written" : "written", good,
         written ? "all written" : "NaN left");
  return bad == ATTUNE_ERR_BAD_SIZE && untouched && good == ATTUNE_OK && written
             ? 0
             : 1;
}
