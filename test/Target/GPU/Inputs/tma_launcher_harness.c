/* Calls a launcher of TMA kernels (launch.mlir with mma=wgmma tma=true)
 * against the fake driver (fake_cuda.c): the tensor maps it encodes, its
 * status when K is misaligned or the encoding fails, the maps leading the
 * kernel's parameters. Arguments lie 16 bytes apart in one block; the fake
 * driver prints them as their byte offsets. */
#include "launch-tma.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
  static char block[96] __attribute__((aligned(16)));
  char *q = block, *k = block + 16, *v = block + 32, *out = block + 48,
       *lse = block + 64;
  void *driver = dlopen("libcuda.so.1", RTLD_NOW);
  if (!driver) {
    printf("no fake driver: %s\n", dlerror());
    return 1;
  }
  void (*set_base)(const void *), (*expect_params)(int, int, int, int),
      (*expect_maps)(int), (*fail_encode)(int);
  *(void **)&set_base = dlsym(driver, "fake_set_base");
  *(void **)&expect_params = dlsym(driver, "fake_expect_params");
  *(void **)&expect_maps = dlsym(driver, "fake_expect_maps");
  *(void **)&fail_encode = dlsym(driver, "fake_fail_encode");
  set_base(block);
  expect_params(5 + 2, 4, 4, 2);
  expect_maps(2);

  printf("misaligned k: %d\n",
         prefill(q, k + 2, v, out, lse, 3, 130, 200, NULL));
  printf("prefill: %d\n", prefill(q, k, v, out, lse, 3, 130, 200, NULL));
  printf("no keys: %d\n", prefill(q, k, v, out, lse, 1, 64, 0, NULL));
  fail_encode(1);
  printf("encoding fails: %d\n", prefill(q, k, v, out, lse, 1, 64, 64, NULL));
  return 0;
}
