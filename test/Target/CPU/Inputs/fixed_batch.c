/* The entry point refuses a batch that contradicts a static extent (K and V
 * hold 2 rows), and writes nothing then; it accepts batch = 2. */
#include "fixed_batch.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  static float q[3 * 2 * 4 * 16], k[2 * 2 * 5 * 16], v[2 * 2 * 5 * 16];
  static float out[3 * 2 * 4 * 16];
  memset(out, 0xff, sizeof out);
  int bad = fixed_batch(q, k, v, out, 3, 4, 5);
  int untouched = 1;
  for (size_t i = 0; i < sizeof out / sizeof *out; ++i)
    untouched &= out[i] != out[i]; /* still NaN */
  int good = fixed_batch(q, k, v, out, 2, 4, 5);
  printf("batch=3: %d (%s), batch=2: %d\n", bad,
         untouched ? "nothing written" : "written", good);
  return bad == ATTUNE_ERR_BAD_SIZE && untouched && good == ATTUNE_OK ? 0 : 1;
}
