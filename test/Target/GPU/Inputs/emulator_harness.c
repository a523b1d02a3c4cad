/* Drives the CUDA emulator's libcuda.so.1 directly (emulator.test): loads
 * the image argv[1] (a shared object of emulated kernels) and launches the
 * kernels of emulator_kernels.mlir, printing each result. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*LoadData)(void **, const void *);
typedef int (*GetFunction)(void **, void *, const char *);
typedef int (*SetAttribute)(void *, int, int);
typedef int (*Launch)(void *, unsigned, unsigned, unsigned, unsigned, unsigned,
                      unsigned, unsigned, void *, void **, void **);

static LoadData load;
static GetFunction get;
static SetAttribute set;
static Launch launch;
static void *module;

/* A flat memref<?xT> as the kernels take it. */
typedef struct {
  void *allocated, *aligned;
  int64_t offset, size, stride;
} Buffer;

static int run(const char *name, unsigned gx, unsigned gy, unsigned bx,
               unsigned by, unsigned bz, unsigned shared, Buffer *a,
               Buffer *b) {
  void *f;
  if (get(&f, module, name) != 0)
    return -1;
  if (shared > 48 * 1024 && strcmp(name, "ids") != 0)
    set(f, 8, (int)shared);
  void *params[10] = {&a->allocated, &a->aligned, &a->offset, &a->size,
                      &a->stride};
  if (b) {
    params[5] = &b->allocated, params[6] = &b->aligned;
    params[7] = &b->offset, params[8] = &b->size, params[9] = &b->stride;
  }
  return launch(f, gx, gy, 1, bx, by, bz, shared, NULL, params, NULL);
}

int main(int argc, char **argv) {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW);
  if (!driver || argc != 2)
    return 2;
  load = (LoadData)dlsym(driver, "cuModuleLoadData");
  get = (GetFunction)dlsym(driver, "cuModuleGetFunction");
  set = (SetAttribute)dlsym(driver, "cuFuncSetAttribute");
  launch = (Launch)dlsym(driver, "cuLaunchKernel");

  printf("PTX image: %d\n",
         load(&module, "//\n.version 8.0\n.target sm_90a\n"));
  FILE *file = fopen(argv[1], "rb");
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *image = malloc((size_t)size);
  if (fread(image, 1, (size_t)size, file) != (size_t)size)
    return 2;
  fclose(file);
  printf("load: %d\n", load(&module, image));

  float outf[4096];
  uint16_t outh[64], src[256];
  for (int i = 0; i < 256; ++i)
    src[i] = (uint16_t)(0x3c00 + i); /* f16 1.0 + i ulp */
  Buffer o = {outf, outf, 0, 4096, 1};
  Buffer s = {src, src, 0, 256, 1}, h = {outh, outh, 0, 64, 1};

  printf("deadlock: %d\n", run("deadlock", 1, 1, 128, 1, 1, 0, &o, NULL));
  printf("diverge: %d\n", run("diverge", 1, 1, 32, 1, 1, 512, &o, NULL));
  printf("overflow: %d\n", run("overflow", 1, 1, 128, 1, 1, 1024, &o, NULL));
  printf("64 KiB without the attribute: %d\n",
         run("ids", 1, 1, 32, 1, 1, 64 * 1024, &o, NULL));
  printf("block of 48 threads: %d\n", run("ids", 1, 1, 48, 1, 1, 0, &o, NULL));

  printf("copy: %d\n", run("copy", 1, 1, 32, 1, 1, 512, &s, &h));
  printf("before the wait: %04x %04x, after: %04x %04x\n", outh[0], outh[31],
         outh[32], outh[63]);

  /* Grid (3, 2), block (8, 2, 2). */
  memset(outf, 0, sizeof(outf));
  printf("ids: %d\n", run("ids", 3, 2, 8, 2, 2, 0, &o, NULL));
  int bad = 0;
  for (int by = 0; by < 2; ++by)
    for (int bx = 0; bx < 3; ++bx)
      for (int t = 0; t < 32; ++t) {
        int tx = t % 8, ty = t / 8 % 2, tz = t / 16;
        float want = 1000.0f * (bx + 10 * by) + tx + 10 * ty + 100 * tz;
        bad += outf[(bx + 3 * by) * 32 + t] != want;
      }
  printf("ids wrong: %d, thread (7, 1, 1) of block (2, 1): %g\n", bad,
         outf[5 * 32 + 31]);

  /* wgmma m64n8k16: D[m][n] = m % 16 + 16 n, thread t's value i at row
   * 16 (t / 32) + t % 32 / 4 + 8 (i / 2), column 2 (t % 4) + i % 2. */
  memset(outf, 0, sizeof(outf));
  printf("wgmma: %d\n", run("wgmma", 1, 1, 128, 1, 1, 2304, &o, NULL));
  int wrong = 0;
  for (int t = 0; t < 128; ++t)
    for (int i = 0; i < 4; ++i) {
      int m = 16 * (t / 32) + t % 32 / 4 + 8 * (i / 2);
      int n = 2 * (t % 4) + i % 2;
      wrong += outf[4 * t + i] != (float)(m % 16 + 16 * n);
    }
  printf("wgmma wrong: %d, D[17][5] (thread 38, value 1): %g\n", wrong,
         outf[4 * 38 + 1]);
  /* N-major B, N = 16: thread t's value i at row 16 (t / 32) + t % 32 / 4 +
   * 8 (i % 4 / 2), column 8 (i / 4) + 2 (t % 4) + i % 2. */
  memset(outf, 0, sizeof(outf));
  printf("wgmma N-major: %d\n",
         run("wgmma_nmajor", 1, 1, 128, 1, 1, 2560, &o, NULL));
  wrong = 0;
  for (int t = 0; t < 128; ++t)
    for (int i = 0; i < 8; ++i) {
      int m = 16 * (t / 32) + t % 32 / 4 + 8 * (i % 4 / 2);
      int n = 8 * (i / 4) + 2 * (t % 4) + i % 2;
      wrong += outf[8 * t + i] != (float)(m % 16 + 16 * n);
    }
  printf("wgmma N-major wrong: %d, D[17][13] (thread 38, value 5): %g\n",
         wrong, outf[8 * 38 + 5]);
  /* A from registers, N-major B, N = 16: D[m][n] = sum over k of
   * ((7 m + 3 k + m k) mod 5) (k + 16 n), laid out as above. */
  memset(outf, 0, sizeof(outf));
  printf("wgmma register A: %d\n",
         run("wgmma_register_a", 1, 1, 128, 1, 1, 2560, &o, NULL));
  wrong = 0;
  for (int t = 0; t < 128; ++t)
    for (int i = 0; i < 8; ++i) {
      int m = 16 * (t / 32) + t % 32 / 4 + 8 * (i % 4 / 2);
      int n = 8 * (i / 4) + 2 * (t % 4) + i % 2, want = 0;
      for (int k = 0; k < 16; ++k)
        want += (7 * m + 3 * k + m * k) % 5 * (k + 16 * n);
      wrong += outf[8 * t + i] != (float)want;
    }
  printf("wgmma register A wrong: %d, D[17][13] (thread 38, value 5): %g\n",
         wrong, outf[8 * 38 + 5]);
  printf("wgmma register A without wgmma.fence: %d\n",
         run("wgmma_register_a", 2, 1, 128, 1, 1, 2560, &o, NULL));
  printf("wgmma without the proxy fence: %d\n",
         run("wgmma", 2, 1, 128, 1, 1, 2304, &o, NULL));
  printf("wgmma without wgmma.fence: %d\n",
         run("wgmma", 3, 1, 128, 1, 1, 2304, &o, NULL));
  printf("wgmma not waited for: %d\n",
         run("wgmma", 4, 1, 128, 1, 1, 2304, &o, NULL));
  printf("wgmma in a block of 96 threads: %d\n",
         run("wgmma", 1, 1, 96, 1, 1, 2304, &o, NULL));

  /* Named barriers: out[t] = 128 (t / 128) + (t % 128 + 64) % 128. */
  memset(outf, 0, sizeof(outf));
  printf("named: %d\n", run("named", 1, 1, 256, 1, 1, 1024, &o, NULL));
  int misplaced = 0;
  for (int t = 0; t < 256; ++t)
    misplaced += outf[t] != (float)(128 * (t / 128) + (t % 128 + 64) % 128);
  printf("named wrong: %d\n", misplaced);
  printf("named over 100 threads: %d\n",
         run("named", 2, 1, 256, 1, 1, 1024, &o, NULL));
  printf("named, half skipping: %d\n",
         run("named", 3, 1, 256, 1, 1, 1024, &o, NULL));

  /* setmaxnreg: registers move from the producer warpgroup to the others;
   * asking for more than it gave up deadlocks, a decrease upwards fails. */
  memset(outf, 0, sizeof(outf));
  printf("setmaxnreg: %d\n", run("registers", 1, 1, 384, 1, 1, 0, &o, NULL));
  int unfinished = 0;
  for (int t = 0; t < 384; ++t)
    unfinished += outf[t] != (float)t;
  printf("setmaxnreg unfinished: %d\n", unfinished);
  printf("setmaxnreg past the registers given up: %d\n",
         run("registers", 2, 1, 384, 1, 1, 0, &o, NULL));
  printf("setmaxnreg.dec upwards: %d\n",
         run("registers", 3, 1, 384, 1, 1, 0, &o, NULL));

  /* TMA: the 8 x 4 box at (8, 2) of a 16 x 5 tensor of f16 1.0 + (16 row +
   * column) ulp; its row 5 is outside the tensor (zeros). */
  typedef int (*Encode)(void *, int, unsigned, void *, const uint64_t *,
                        const uint64_t *, const unsigned *, const unsigned *,
                        int, int, int, int);
  Encode encode = (Encode)dlsym(driver, "cuTensorMapEncodeTiled");
  static uint64_t map[16] __attribute__((aligned(64)));
  static uint16_t tensor[5 * 64] __attribute__((aligned(16)));
  static uint16_t box_out[256];
  for (int i = 0; i < 5 * 64; ++i)
    tensor[i] = (uint16_t)(0x3c00 + i);
  uint64_t dims[2] = {16, 5}, strides[1] = {32};
  unsigned box[2] = {8, 4}, steps[2] = {1, 1};
  printf("tma map: %d\n",
         encode(map, 1, 2, tensor, dims, strides, box, steps, 0, 0, 0, 0));
  printf(
      "tma map, address not 16-byte aligned: %d\n",
      encode(map + 8, 1, 2, tensor + 1, dims, strides, box, steps, 0, 0, 0, 0));
  uint64_t odd[1] = {24};
  printf("tma map, stride not a multiple of 16: %d\n",
         encode(map, 1, 2, tensor, dims, odd, box, steps, 0, 0, 0, 0));
  printf("tma map, 64-byte swizzle: %d\n",
         encode(map, 1, 2, tensor, dims, strides, box, steps, 0, 2, 0, 0));
  Buffer ob = {box_out, box_out, 0, 256, 1};
  void *f;
  int status = get(&f, module, "tma");
  void *tma_params[7] = {map,        map,      &ob.allocated, &ob.aligned,
                         &ob.offset, &ob.size, &ob.stride};
  const char *modes[] = {"",
                         "tma",
                         "tma before the wait",
                         "tma with 32 bytes announced",
                         "tma with 128 bytes announced, waited for",
                         "tma with 128 bytes announced, not waited for",
                         "tma, 128-byte swizzle"};
  for (unsigned mode = 1; mode <= 6; ++mode) {
    if (mode == 6) {
      /* The 64 x 4 box at (0, 2) of a 64 x 5 tensor, 128-byte rows. */
      uint64_t wide[2] = {64, 5}, pitch[1] = {128};
      unsigned wide_box[2] = {64, 4};
      encode(map, 1, 2, tensor, wide, pitch, wide_box, steps, 0, 3, 0, 0);
    }
    memset(box_out, 0, sizeof(box_out));
    printf("%s: %d", modes[mode],
           status
               ? status
               : launch(f, mode, 1, 1, 32, 1, 1, 2048, NULL, tma_params, NULL));
    int wrong_box = 0;
    if (mode <= 2) {
      for (int t = 0; t < 32; ++t) {
        int row = 2 + t / 8, column = 8 + t % 8;
        wrong_box += box_out[t] != (row < 5 ? 0x3c00 + 16 * row + column : 0);
      }
      printf(", wrong %d, first %04x, last %04x", wrong_box, box_out[0],
             box_out[31]);
    } else if (mode == 6) {
      /* Element (r, c) at byte 128 r + 16 ((c / 8) ^ r) + 2 (c % 8): row r
       * of the box is tensor row 2 + r (row 5: zeros). */
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 64; ++c) {
          int at = 64 * r + 8 * ((c / 8) ^ r) + c % 8, row = 2 + r;
          wrong_box += box_out[at] != (row < 5 ? 0x3c00 + 64 * row + c : 0);
        }
      printf(", wrong %d, element (1, 0) at %04x", wrong_box, box_out[72]);
    }
    printf("\n");
  }
  return 0;
}
