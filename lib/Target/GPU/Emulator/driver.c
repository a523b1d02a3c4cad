/*===- driver.c - context, memory, modules --------------------------------===*
 *
 * The driver entry points the launchers call, but for launches (blocks.c)
 * and tensor maps (tma.c): a context, memory, and modules that are CPU
 * shared objects.
 *
 *===----------------------------------------------------------------------===*/

#include "emulator.h"

void warn(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("attune CUDA emulator: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

static int the_context;

EXPORT CUresult cuInit(unsigned flags) {
  (void)flags;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetCurrent(void **context) {
  *context = &the_context;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetDevice(int *device) {
  *device = 0;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  if (device != 0 || attribute != ATTRIBUTE_MULTIPROCESSOR_COUNT)
    return CUDA_ERROR_INVALID_VALUE;
  const char *sms = getenv("ATTUNE_EMULATOR_SMS");
  *value = sms && atoi(sms) > 0 ? atoi(sms) : 132; /* an H200 */
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAllocAsync(unsigned long long *pointer, size_t bytes,
                                void *stream) {
  (void)stream;
  void *memory = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  memset(memory, 0xff, bytes);
  *pointer = (unsigned long long)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFreeAsync(unsigned long long pointer, void *stream) {
  (void)stream;
  free((void *)(uintptr_t)pointer);
  return CUDA_SUCCESS;
}

/* The size of an ELF image: its headers' ends (the section headers come
 * last in what linkers write). */
static size_t elf_size(const Elf64_Ehdr *header) {
  size_t sections =
      header->e_shoff + (size_t)header->e_shnum * header->e_shentsize;
  size_t segments =
      header->e_phoff + (size_t)header->e_phnum * header->e_phentsize;
  return sections > segments ? sections : segments;
}

EXPORT CUresult cuModuleLoadData(void **module, const void *image) {
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)image;
  if (!image || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_type != ET_DYN ||
      header->e_machine == EM_CUDA) {
    warn("the image is not a CPU shared object (PTX or a cubin?): build the "
         "kernels with attune-compile --target=cuda --emulate");
    return CUDA_ERROR_INVALID_IMAGE;
  }
  /* The kernels call back into this library: make its symbols global. */
  Dl_info self;
  if (!dladdr((void *)&cuModuleLoadData, &self) ||
      !dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL)) {
    warn("cannot make the runtime's symbols global: %s", dlerror());
    return CUDA_ERROR_INVALID_IMAGE;
  }
  char path[] = "/tmp/attune-emulated-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return CUDA_ERROR_OUT_OF_MEMORY;
  size_t size = elf_size(header);
  int written = write(fd, image, size) == (ssize_t)size;
  close(fd);
  void *library = written ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
  if (!library)
    warn("cannot load the kernels: %s", written ? dlerror() : "write failed");
  unlink(path);
  if (!library)
    return CUDA_ERROR_INVALID_IMAGE;
  Module *m = calloc(1, sizeof(Module));
  m->library = library;
  *module = m;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleUnload(void *module) {
  Module *m = module;
  if (!m)
    return CUDA_ERROR_INVALID_HANDLE;
  dlclose(m->library);
  free(m);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(void **function, void *module,
                                    const char *name) {
  Module *m = module;
  if (!m || !name || strlen(name) >= sizeof(((Function *)0)->name))
    return CUDA_ERROR_INVALID_VALUE;
  void *entry = dlsym(m->library, name);
  if (!entry)
    return CUDA_ERROR_NOT_FOUND;
  Function *f = calloc(1, sizeof(Function));
  *(void **)&f->entry = entry;
  strcpy(f->name, name);
  f->shared_limit = DEFAULT_SHARED_LIMIT;
  *function = f;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncSetAttribute(void *function, int attribute, int value) {
  Function *f = function;
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if (attribute != FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES || value < 0 ||
      value > DEVICE_SHARED_LIMIT)
    return CUDA_ERROR_INVALID_VALUE;
  f->shared_limit = value;
  return CUDA_SUCCESS;
}
