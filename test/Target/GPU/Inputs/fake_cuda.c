/* A stand-in for libcuda.so.1 that records what a launcher asks of the
 * driver, so that launchers are tested on machines without a GPU. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct fake_function {
  char name[64];
  int shared;
};
static struct fake_function functions[16];
static int num_functions;
static uintptr_t context = 1;
static int expected_buffers, expected_sizes;
static int merge_buffers, merge_sizes;
static int fail_launch, fail_alloc, fail_attribute, fail_encode;
static int expected_maps;
static const char *base;

/* Buffers print as their offset from `b` (the harness's argument block). */
void fake_set_base(const void *b) { base = b; }
void fake_set_context(uintptr_t c) { context = c; }
/* Parameters of the attention kernels, and of the merge kernels. */
void fake_expect_params(int buffers, int sizes, int mergeBuffers,
                        int mergeSizes) {
  expected_buffers = buffers;
  expected_sizes = sizes;
  merge_buffers = mergeBuffers;
  merge_sizes = mergeSizes;
}
void fake_fail_launch(int fail) { fail_launch = fail; }
void fake_fail_alloc(int fail) { fail_alloc = fail; }
void fake_fail_attribute(int fail) { fail_attribute = fail; }
void fake_fail_encode(int fail) { fail_encode = fail; }
/* TMA kernels: how many tensor maps lead the attention kernel's params. */
void fake_expect_maps(int maps) { expected_maps = maps; }

/* Where `p` lies: "argument <byte offset from the base>" or the pointer. */
static void print_pointer(const void *p) {
  long at = (long)((const char *)p - base);
  if (at >= 0 && at < 256)
    printf("argument %ld", at);
  else
    printf("%p", p);
}

/* Prints its arguments; the map remembers the tensor's address. */
int cuTensorMapEncodeTiled(void *map, int type, unsigned rank, void *address,
                           const unsigned long long *dims,
                           const unsigned long long *strides,
                           const unsigned *box, const unsigned *steps,
                           int interleave, int swizzle, int promotion,
                           int fill) {
  printf("encode type=%d rank=%u data=", type, rank);
  print_pointer(address);
  printf(" dims=");
  for (unsigned d = 0; d < rank; ++d)
    printf("%s%llu", d ? "," : "", dims[d]);
  printf(" strides=");
  for (unsigned d = 0; d + 1 < rank; ++d)
    printf("%s%llu", d ? "," : "", strides[d]);
  printf(" box=");
  for (unsigned d = 0; d < rank; ++d)
    printf("%s%u", d ? "," : "", box[d]);
  printf(" steps=");
  for (unsigned d = 0; d < rank; ++d)
    printf("%s%u", d ? "," : "", steps[d]);
  printf(" interleave=%d swizzle=%d promotion=%d fill=%d map%%64=%d\n",
         interleave, swizzle, promotion, fill, (int)((uintptr_t)map % 64));
  memcpy(map, &address, sizeof address);
  return fail_encode ? 1 : 0;
}

int cuModuleUnload(void *module) {
  printf("unload module %p\n", module);
  return 0;
}

int cuCtxGetCurrent(void **c) {
  *c = (void *)context;
  return 0;
}

int cuCtxGetDevice(int *device) {
  *device = 0;
  return 0;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 16 ? 132 : 0; /* an H100 / H200 */
  return 0;
}

int cuMemAllocAsync(unsigned long long *pointer, size_t bytes, void *stream) {
  if (fail_alloc) {
    printf("alloc of %zu bytes fails\n", bytes);
    return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  }
  printf("alloc %zu bytes on stream %p\n", bytes, stream);
  *pointer = 0x7000000;
  return 0;
}

int cuMemFreeAsync(unsigned long long pointer, void *stream) {
  printf("free %#llx on stream %p\n", pointer, stream);
  return 0;
}

int cuModuleLoadData(void **module, const void *image) {
  const char *bytes = image;
  printf("load module in context %lu: %s\n", (unsigned long)context,
         bytes[0] == 0x7f && bytes[1] == 'E' ? "cubin"
         : strncmp(bytes, "//", 2) == 0      ? "ptx"
                                             : "unknown image");
  *module = (void *)0x1000;
  return 0;
}

int cuModuleGetFunction(void **function, void *module, const char *name) {
  (void)module;
  struct fake_function *f = &functions[num_functions++ % 16];
  snprintf(f->name, sizeof f->name, "%s", name);
  *function = f;
  return 0;
}

int cuFuncSetAttribute(void *function, int attribute, int value) {
  struct fake_function *f = function;
  if (fail_attribute)
    return 1; /* CUDA_ERROR_INVALID_VALUE: more shared memory than allowed */
  if (attribute == 8) /* CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES */
    f->shared = value;
  return 0;
}

int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                   unsigned bx, unsigned by, unsigned bz, unsigned shared,
                   void *stream, void **params, void **extra) {
  struct fake_function *f = function;
  printf("launch %s grid=(%u,%u,%u) block=(%u,%u,%u) shared=%u (allowed %d) "
         "stream=%p extra=%p\n",
         f->name, gx, gy, gz, bx, by, bz, shared, f->shared, stream, extra);
  size_t length = strlen(f->name);
  int merge = length > 6 && strcmp(f->name + length - 6, "_merge") == 0;
  int buffers = merge ? merge_buffers : expected_buffers;
  int sizes = merge ? merge_sizes : expected_sizes;
  int maps = merge ? 0 : expected_maps;
  for (int i = 0; i < maps; ++i) {
    const void *tensor;
    memcpy(&tensor, params[i], sizeof tensor);
    printf("  map %d: ", i);
    print_pointer(tensor);
    printf("\n");
  }
  params += maps;
  for (int i = 0; i < buffers; ++i) {
    void *allocated, *aligned;
    int64_t offset, size, stride;
    memcpy(&allocated, params[5 * i], sizeof allocated);
    memcpy(&aligned, params[5 * i + 1], sizeof aligned);
    memcpy(&offset, params[5 * i + 2], sizeof offset);
    memcpy(&size, params[5 * i + 3], sizeof size);
    memcpy(&stride, params[5 * i + 4], sizeof stride);
    printf("  buffer %d: ", i);
    print_pointer(allocated);
    printf(" %s offset=%lld size=%lld stride=%lld\n",
           allocated == aligned ? "same" : "different", (long long)offset,
           (long long)size, (long long)stride);
  }
  printf("  sizes");
  for (int i = 0; i < sizes; ++i) {
    int64_t size;
    memcpy(&size, params[5 * buffers + i], sizeof size);
    printf(" %lld", (long long)size);
  }
  printf("\n");
  return fail_launch ? 700 : 0;
}
