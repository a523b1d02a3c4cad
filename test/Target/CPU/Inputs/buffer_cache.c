/* The module's heap temporaries through its buffer cache: the large
 * allocations (aligned_alloc, counted by wrapping it at link time) of a
 * call at a length seen before are served from the cache; a block more than
 * twice too large is not used for a small request; results stay right, also
 * from two threads at once (each has a cache of its own). */
#include "buffer_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void *__real_aligned_alloc(size_t alignment, size_t size);
static long large;
void *__wrap_aligned_alloc(size_t alignment, size_t size) {
  if (size >= 65536)
    __atomic_add_fetch(&large, 1, __ATOMIC_RELAXED);
  return __real_aligned_alloc(alignment, size);
}

enum { MAX_N = 4096 };

static int run(int64_t n, unsigned seed) {
  float *x = malloc(sizeof(float) * MAX_N * 64);
  float *y = malloc(sizeof(float) * MAX_N * 64);
  for (int64_t i = 0; i < n * 64; ++i)
    x[i] = (float)((i * 7 + seed) % 1000);
  int ok = roundtrip(x, y, n) == ATTUNE_OK;
  for (int64_t i = 0; i < n * 64; ++i)
    ok &= y[i] == 2 * x[i];
  free(x);
  free(y);
  return ok;
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(size_t)arg;
  int ok = 1;
  for (int i = 0; i < 40; ++i)
    ok &= run(512 + (int64_t)((seed * 131 + i * 977) % 3500), seed + i);
  return (void *)(size_t)ok;
}

int main(void) {
  int ok = 1;
  long before;
  ok &= run(4096, 1);
  printf("first call at 4096: %ld large\n", large);
  before = large;
  ok &= run(4096, 2);
  ok &= run(4096, 3);
  printf("two more at 4096: %ld large\n", large - before);
  before = large;
  ok &= run(1024, 4);
  printf("at 1024 (the cached block is 4x too large): %ld large\n",
         large - before);
  before = large;
  ok &= run(4096, 5);
  ok &= run(3000, 6);
  ok &= run(1024, 7);
  printf("at 4096, 3000, 1024 again: %ld large\n", large - before);
  pthread_t threads[2];
  for (size_t t = 0; t < 2; ++t)
    pthread_create(&threads[t], NULL, worker, (void *)(t + 1));
  for (size_t t = 0; t < 2; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    ok &= result != NULL;
  }
  printf(ok ? "results right\n" : "FAIL: wrong results\n");
  return ok ? 0 : 1;
}
