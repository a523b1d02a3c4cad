/* Calls a generated launcher against the fake driver (fake_cuda.c) and
 * prints what it did: status codes for bad arguments, the launch for good
 * ones, one module load per context. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "launch.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void (*set_context)(uintptr_t);
static void (*expect_params)(int, int, int, int);
static void (*fail_launch)(int);
static void (*fail_alloc)(int);
static void (*fail_attribute)(int);

int main(int argc, char **argv) {
  /* Argument i points at block + i: the fake driver prints i back. */
  static char block[6];
  char *q = block, *k = block + 1, *v = block + 2, *out = block + 3,
       *lse = block + 4, *lens = block + 5;
  void *stream = (void *)0x5150;
  if (argc > 1 && strcmp(argv[1], "nodriver") == 0) {
    int status = prefill(q, k, v, out, lse, 1, 1, 1, stream);
    printf("without a driver: %d\n", status);
    return 0;
  }
  void *driver = dlopen("libcuda.so.1", RTLD_NOW);
  if (!driver) {
    printf("no fake driver: %s\n", dlerror());
    return 1;
  }
  *(void **)&set_context = dlsym(driver, "fake_set_context");
  *(void **)&expect_params = dlsym(driver, "fake_expect_params");
  *(void **)&fail_launch = dlsym(driver, "fake_fail_launch");
  *(void **)&fail_alloc = dlsym(driver, "fake_fail_alloc");
  *(void **)&fail_attribute = dlsym(driver, "fake_fail_attribute");
  void (*set_base)(const void *);
  *(void **)&set_base = dlsym(driver, "fake_set_base");
  set_base(block);

  printf("null q: %d\n", prefill(NULL, k, v, out, lse, 1, 1, 1, stream));
  printf("null lse: %d\n", prefill(q, k, v, out, NULL, 1, 1, 1, stream));
  printf("negative batch: %d\n", prefill(q, k, v, out, lse, -1, 1, 1, stream));
  printf("q_len past INT32_MAX: %d\n",
         prefill(q, k, v, out, lse, 1, (int64_t)1 << 31, 1, stream));
  printf("batch past the grid: %d\n",
         prefill(q, k, v, out, lse, 65536, 1, 1, stream));
  printf("fixed batch 2, given 3: %d\n",
         decode(q, k, v, lens, out, 3, 100, stream));
  printf("empty: %d\n", prefill(q, k, v, out, lse, 0, 5, 5, stream));
  set_context(0);
  printf("no context: %d\n", prefill(q, k, v, out, lse, 1, 1, 1, stream));
  set_context(7);

  /* Operands and the two workspace buffers; B, Lq, Lk and the chunks. The
   * merge: the workspace, out (and lse); rows and chunks. */
  expect_params(5 + 2, 4, 4, 2);
  printf("prefill: %d\n", prefill(q, k, v, out, lse, 3, 130, 200, stream));
  printf("prefill again: %d\n", prefill(q, k, v, out, lse, 1, 64, 0, stream));
  expect_params(5 + 2, 4, 3, 2);
  printf("decode: %d\n", decode(q, k, v, lens, out, 2, 1000, NULL));
  /* 8 blocks on 132 multiprocessors, 8192 keys: 16 chunks of 512 keys. */
  printf("long decode: %d\n", decode(q, k, v, lens, out, 2, 8192, stream));
  expect_params(5 + 2, 4, 4, 2);
  setenv("ATTUNE_KV_SPLITS", "3", 1);
  printf("forced chunks: %d\n", prefill(q, k, v, out, lse, 1, 1, 100, stream));
  unsetenv("ATTUNE_KV_SPLITS");
  /* No workspace to be had: the same long decode runs unsplit. */
  fail_alloc(1);
  printf("long decode without workspace: %d\n",
         decode(q, k, v, lens, out, 2, 8192, stream));
  fail_alloc(0);
  /* A context whose module cannot be set up: unloaded, error, retried. */
  set_context(9);
  fail_attribute(1);
  printf("module setup fails: %d\n", prefill(q, k, v, out, lse, 1, 1, 1, stream));
  fail_attribute(0);
  set_context(8);
  fail_launch(1);
  printf("failed launch in a new context: %d\n",
         prefill(q, k, v, out, lse, 1, 1, 1, stream));
  return 0;
}
