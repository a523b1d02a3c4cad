/*===- cuda_emulator.c - a CUDA driver that runs kernels on the CPU -------===*
 *
 * Built as libcuda.so.1 in its own directory (build/lib/cuda-emulator): put
 * that directory on LD_LIBRARY_PATH and Attune's C launchers load it instead
 * of NVIDIA's driver. It implements the driver entry points the launchers
 * call, and runs the kernels of an image that
 * `attune-compile --target=cuda --emulate` built: a CPU shared object whose
 * kernels (attune-convert-gpu-to-emulator) call back into this file for
 * everything a GPU thread shares with others.
 *
 * The threads of a block are fibers on the launching thread, scheduled
 * cooperatively: a thread runs until it waits at a barrier (the block's or
 * a named one over some of its warps), a warp collective (shuffle,
 * ldmatrix, mma.sync) or a warpgroup's wgmma, and the last of the block,
 * warp or warpgroup to arrive completes the step. Blocks run one after
 * another; the result is deterministic. Checked on the way, each with a
 * message on stderr and CUDA_ERROR_LAUNCH_FAILED: a barrier not every
 * thread reaches (deadlock), lanes of a warp at different collectives (or
 * the same one with different shapes), writes into the 256 bytes past the
 * block's dynamic shared memory (a canary checked when the block ends;
 * further out, the heap), more dynamic shared memory than the kernel was
 * allowed. cp.async copies land at the wait that covers them, not before;
 * shared memory and cuMemAllocAsync memory start as 0xff bytes (NaN in f16,
 * bf16 and f32) so that reading what nobody wrote shows.
 *
 * wgmma.mma_async computes when the warpgroup's 128 threads have arrived
 * (its asynchrony is not modelled: reading accumulators before the wait is
 * not caught), with A from shared memory or from the threads' registers
 * (__attune_emu_wgmma_register_a). Checked: every thread issued
 * wgmma.fence since its last wait, lanes agree on descriptors and shape,
 * operands lie inside shared memory in the no-swizzle or 128-byte swizzle
 * layout (reserved descriptor bits clear), every wgmma is committed and
 * waited for before a barrier or the end, and every thread that wrote
 * shared memory (memref / vector stores; with late copies,
 * landed cp.async copies) executed fence.proxy.async since, before any
 * wgmma of the block reads it, and, for the threads of the reading
 * warpgroup, passed a barrier since. Descriptors hold the 18 low bits of a
 * shared address, read modulo 2^18 from where the dynamic shared memory
 * starts.
 *
 * Two settings vary what a kernel with a missing barrier or wait would see:
 * ATTUNE_EMULATOR_SCHEDULE=interleaved (default: a thread runs until it
 * waits, then the next thread in order), warp-ahead (a warp runs until it
 * waits at a block barrier before another warp runs, the last warp first)
 * or low-first (the lowest-numbered thread that can run runs: the first
 * warps, and their warpgroup, get as far ahead as synchronization lets
 * them, e.g. a TMA-issuing thread that does not wait for the other
 * warpgroups to release a buffer),
 * and ATTUNE_EMULATOR_COPIES=late (default: cp.async lands at its wait, a TMA
 * box when its mbarrier phase completes) or early (at issue: a copy
 * overwrites shared memory as soon as it may).
 *
 * The TMA (sm_90): cuTensorMapEncodeTiled encodes tiled maps (no swizzle
 * or interleave) with the driver's checks; a cp.async.bulk.tensor box is
 * read at issue, its mbarrier's phase completes when every arrival and
 * every expected byte is in (more bytes than expect_tx announced is an
 * error), try_wait.parity blocks until the phase of that parity completed,
 * and the box lands only when a wait observes its phase (or the mbarrier is
 * used again): a thread that reads the tile without waiting reads stale
 * data. A wait that can never complete is a deadlock; boxes still in
 * flight when the block ends are an error.
 *
 * Named barriers take bar.sync (waits) and bar.arrive (goes on, wgmmas in
 * flight or not); a barrier completes when its count of threads arrived
 * either way. setmaxnreg moves registers through the block's pool: every
 * thread starts with the share of 64K the block's size allows at one block
 * an SM (at most 255, in units of 8), a decrease gives registers back, an
 * increase waits until enough were given (a deadlock when never).
 *
 * ATTUNE_EMULATOR_SHARED_OFFSET=N (a multiple of 16 below 2^18; default 0)
 * starts the dynamic shared memory N bytes past a 2^18-byte boundary
 * instead of at one. The hardware promises 16 bytes: a kernel that needs
 * more (the 128-byte swizzle's 1024-byte atoms) must align it itself.
 *
 * ATTUNE_EMULATOR_TRACE=1 prints each launch on stderr.
 *
 * Not a timing model: it checks numerics and synchronization, not speed.
 * Not under sanitizers or CET shadow stacks (fibers switch stacks with
 * _longjmp).
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

typedef int CUresult;
enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_LAUNCH_FAILED = 719,
};
enum { ATTRIBUTE_MULTIPROCESSOR_COUNT = 16 };
enum { FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };

#define EXPORT __attribute__((visibility("default")))
#define WARP 32
#define MAX_THREADS 1024
/* Without cuFuncSetAttribute, as on the hardware. */
#define DEFAULT_SHARED_LIMIT (48 * 1024)
/* The H200's opt-in limit per block. */
#define DEVICE_SHARED_LIMIT (227 * 1024)
#define SHARED_GUARD 256
#define WARPGROUP 128
/* Descriptors hold shared addresses modulo 2^18. */
#define SHARED_ALIGN (1u << 18)

static void warn(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("attune CUDA emulator: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

/*===----------------------------------------------------------------------===*
 * Context, memory, modules
 *===----------------------------------------------------------------------===*/

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

typedef struct {
  void *library;
} Module;

typedef struct {
  void (*entry)(void **);
  char name[128];
  int shared_limit;
} Function;

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

/*===----------------------------------------------------------------------===*
 * Threads as fibers
 *===----------------------------------------------------------------------===*/

enum Wait {
  RUNNING,
  AT_BARRIER,
  AT_NAMED_BARRIER,
  AT_WARP,
  AT_WARPGROUP,
  AT_MBARRIER,
  AT_REGISTERS,
  DONE
};

typedef struct {
  void *dst;
  const void *src;
  int bytes, src_bytes, group;
} Copy;

typedef struct {
  jmp_buf context;
  char *stack;
  int tid, wait, wait_barrier;
  unsigned wait_generation;
  /* cp.async: copies not landed yet; group -1 until committed. */
  Copy *copies;
  int num_copies, max_copies, groups;
  /* wgmma: fenced since the last wait; issued, not committed; committed
   * groups not waited for. Shared memory written (stores, landed copies)
   * since the last proxy fence. */
  int wgmma_fenced, wgmma_issued, wgmma_groups, unfenced_writes;
  /* Shared memory written since the thread last passed a barrier. */
  int unsynced_writes;
  /* setmaxnreg: the registers the thread holds, and those it waits for. */
  int registers, wanted_registers;
} Thread;

enum Collective { NONE, SHUFFLE, LDMATRIX, MMA };

typedef struct {
  int arrived, op;
  unsigned generation;
  uint32_t in[WARP][12];
  const char *address[WARP];
  uint32_t out[WARP][4];
  int tiles, transpose, mode, bf16;
} Warp;

/* A warpgroup at a wgmma: its threads' accumulators, the operands (A from
 * the threads' registers when `register_a`, else from desc_a). */
typedef struct {
  int arrived;
  unsigned generation;
  float *acc[WARPGROUP];
  uint32_t a[WARPGROUP][4];
  uint64_t desc_a, desc_b;
  int n, bf16, accumulate, transpose_b, register_a;
} Warpgroup;

/* A TMA box not landed yet: `bytes` staged at issue, for `dst`. */
typedef struct {
  char *dst, *data;
  size_t bytes;
} TmaCopy;

/* An mbarrier object in shared memory (the runtime keeps its state here,
 * found by address): arrivals per phase and still to come, transaction
 * bytes expected (expect_tx) and issued (TMA boxes) in the current phase,
 * completed phases, and the boxes not landed: the first `num_done` of
 * completed phases, the rest of the current one. */
#define MAX_MBARRIERS 64
typedef struct {
  char *address;
  int expected, pending;
  long long expected_bytes, issued_bytes;
  unsigned phase;
  TmaCopy *copies;
  int num_copies, num_done, max_copies;
} Mbarrier;

/* bar.sync id, count: a named barrier (ids 1-15; 0 is the block's). */
#define NAMED_BARRIERS 16
typedef struct {
  int arrived, expected;
  unsigned generation;
} NamedBarrier;

static struct {
  Thread threads[MAX_THREADS];
  NamedBarrier named[NAMED_BARRIERS];
  Mbarrier mbarriers[MAX_MBARRIERS];
  int num_mbarriers;
  Warp warps[MAX_THREADS / WARP];
  Warpgroup warpgroups[MAX_THREADS / WARPGROUP];
  Thread *current;
  jmp_buf scheduler;
  char error[512];
  int num_threads, arrived;
  /* setmaxnreg: registers the block's threads gave up and nobody took. */
  long long spare_registers;
  int warp_ahead, low_first, early_copies;
  unsigned generation;
  /* The launch. */
  unsigned block[3], grid[3], block_id[3];
  void **params;
  void (*entry)(void **);
  char *shared;
  size_t shared_bytes;
  /* The allocation `shared` lies in, 2^18-byte aligned. */
  char *shared_block;
  /* Fiber stacks, each above a guard page. */
  char *stacks;
  size_t stack_bytes, stacks_mapped, stacks_stride;
} emu;

static pthread_mutex_t launch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Ends the launch with `format` as the reason. */
__attribute__((noreturn, format(printf, 1, 2))) static void
fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(emu.error, sizeof(emu.error), format, args);
  va_end(args);
  _longjmp(emu.scheduler, 1);
}

static int waiting(const Thread *t) {
  if (t->wait == AT_BARRIER)
    return emu.generation == t->wait_generation;
  if (t->wait == AT_NAMED_BARRIER)
    return emu.named[t->wait_barrier].generation == t->wait_generation;
  if (t->wait == AT_WARP)
    return emu.warps[t->tid / WARP].generation == t->wait_generation;
  if (t->wait == AT_WARPGROUP)
    return emu.warpgroups[t->tid / WARPGROUP].generation == t->wait_generation;
  if (t->wait == AT_MBARRIER)
    return emu.mbarriers[t->wait_barrier].phase == t->wait_generation;
  if (t->wait == AT_REGISTERS)
    return emu.spare_registers < t->wanted_registers - t->registers;
  return t->wait == DONE;
}

/* The next thread that can run after `self`, or NULL. */
static Thread *pick(const Thread *self) {
  int n = emu.num_threads;
  if (emu.low_first) {
    for (int i = 0; i < n; ++i)
      if (!waiting(&emu.threads[i]))
        return &emu.threads[i];
    return NULL;
  }
  if (!emu.warp_ahead) {
    for (int i = 1; i <= n; ++i) {
      Thread *next = &emu.threads[(self->tid + i) % n];
      if (!waiting(next))
        return next;
    }
    return NULL;
  }
  /* The rest of this warp first, then the other warps, downwards. */
  int warps = n / WARP, warp = self->tid / WARP, lane = self->tid % WARP;
  for (int i = 1; i <= WARP; ++i) {
    Thread *next = &emu.threads[warp * WARP + (lane + i) % WARP];
    if (!waiting(next))
      return next;
  }
  for (int j = 1; j < warps; ++j)
    for (int i = 0; i < WARP; ++i) {
      Thread *next = &emu.threads[(warp - j + warps) % warps * WARP + i];
      if (!waiting(next))
        return next;
    }
  return NULL;
}

/* Runs another thread that can run; back to the scheduler when none can. */
static void yield(void) {
  Thread *self = emu.current;
  Thread *next = pick(self);
  if (next == self)
    return;
  if (_setjmp(self->context) == 0) {
    emu.current = next;
    _longjmp(next ? next->context : emu.scheduler, next ? 1 : 2);
  }
}

static void block_until_released(Thread *self) {
  while (waiting(self))
    yield();
  self->wait = RUNNING;
}

static void land_copies(Thread *t, int up_to_group) {
  int kept = 0, landed = 0;
  for (int i = 0; i < t->num_copies; ++i) {
    Copy *c = &t->copies[i];
    if (c->group < 0 || c->group > up_to_group) {
      t->copies[kept++] = *c;
      continue;
    }
    memcpy(c->dst, c->src, c->src_bytes);
    memset((char *)c->dst + c->src_bytes, 0, c->bytes - c->src_bytes);
    landed = 1;
  }
  t->num_copies = kept;
  /* Early copies land at issue, for buffers nobody reads yet: not checked. */
  if (landed && !emu.early_copies)
    t->unfenced_writes = t->unsynced_writes = 1;
}

static void check_wgmma_waited(const Thread *t, const char *where) {
  if (t->wgmma_issued || t->wgmma_groups)
    fail("thread %d: wgmma.mma_async not committed and waited for before %s",
         t->tid, where);
}

static void thread_main(void) {
  Thread *self = emu.current;
  if (_setjmp(self->context) == 0)
    _longjmp(emu.scheduler, 3); /* created; run when scheduled */
  emu.entry(emu.params);
  check_wgmma_waited(self, "the kernel's end");
  /* What was never waited for still lands, as on the hardware. */
  for (int i = 0; i < self->num_copies; ++i)
    self->copies[i].group = 0;
  land_copies(self, 0);
  self->wait = DONE;
  yield();
  fail("internal error: a finished thread was resumed");
}

static int map_stacks(int threads) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const char *kib = getenv("ATTUNE_EMULATOR_STACK_KIB");
  emu.stack_bytes = (kib && atoi(kib) > 0 ? (size_t)atoi(kib) : 256) * 1024;
  emu.stack_bytes = (emu.stack_bytes + page - 1) / page * page;
  size_t need = (size_t)threads * (emu.stack_bytes + page);
  if (need <= emu.stacks_mapped && emu.stack_bytes == emu.stacks_stride)
    return 0;
  if (emu.stacks)
    munmap(emu.stacks, emu.stacks_mapped);
  emu.stacks = mmap(NULL, need, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (emu.stacks == MAP_FAILED) {
    emu.stacks = NULL, emu.stacks_mapped = 0;
    return -1;
  }
  emu.stacks_mapped = need;
  emu.stacks_stride = emu.stack_bytes;
  for (int t = 0; t < threads; ++t) /* a guard page below each stack */
    if (mprotect(emu.stacks + t * (emu.stack_bytes + page), page, PROT_NONE) !=
        0)
      return -1;
  return 0;
}

/* Runs one block; 0, or -1 with emu.error set. */
static int run_block(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  memset(emu.shared, 0xff, emu.shared_bytes);
  memset(emu.shared + emu.shared_bytes, 0xa5, SHARED_GUARD);
  memset(emu.warps, 0, sizeof(emu.warps));
  memset(emu.warpgroups, 0, sizeof(emu.warpgroups));
  memset(emu.named, 0, sizeof(emu.named));
  for (int i = 0; i < emu.num_mbarriers; ++i) {
    for (int c = 0; c < emu.mbarriers[i].num_copies; ++c)
      free(emu.mbarriers[i].copies[c].data);
    free(emu.mbarriers[i].copies);
  }
  memset(emu.mbarriers, 0, sizeof(emu.mbarriers));
  emu.num_mbarriers = 0;
  emu.arrived = 0;
  emu.error[0] = 0;
  emu.spare_registers = 0;
  /* One block per SM (the kernels' minctasm 1): the share of the 64K
   * registers the block's size allows, at most 255, in units of 8. */
  int entry_registers = 65536 / emu.num_threads;
  entry_registers = (entry_registers > 255 ? 255 : entry_registers) / 8 * 8;
  for (int t = 0; t < emu.num_threads; ++t) {
    Thread *thread = &emu.threads[t];
    thread->tid = t;
    thread->wait = RUNNING;
    thread->num_copies = 0;
    thread->groups = 0;
    thread->wgmma_fenced = thread->wgmma_issued = thread->wgmma_groups = 0;
    thread->unfenced_writes = thread->unsynced_writes = 0;
    thread->registers = entry_registers;
    thread->stack = emu.stacks + t * (emu.stack_bytes + page) + page;
    ucontext_t start;
    getcontext(&start);
    start.uc_stack.ss_sp = thread->stack;
    start.uc_stack.ss_size = emu.stack_bytes;
    start.uc_link = NULL;
    makecontext(&start, thread_main, 0);
    emu.current = thread;
    if (_setjmp(emu.scheduler) == 0)
      setcontext(&start);
  }
  int reason = _setjmp(emu.scheduler);
  if (reason == 0) {
    emu.current = &emu.threads[emu.warp_ahead ? emu.num_threads - WARP : 0];
    _longjmp(emu.current->context, 1);
  }
  if (reason == 1) /* fail() */
    return -1;
  /* No thread can run: all done, or a deadlock. */
  int done = 0, at_barrier = 0, at_warp = 0, at_warpgroup = 0, at_mbarrier = 0,
      at_registers = 0;
  for (int t = 0; t < emu.num_threads; ++t) {
    done += emu.threads[t].wait == DONE;
    at_registers += emu.threads[t].wait == AT_REGISTERS;
    at_mbarrier += emu.threads[t].wait == AT_MBARRIER;
    at_barrier += emu.threads[t].wait == AT_BARRIER ||
                  emu.threads[t].wait == AT_NAMED_BARRIER;
    at_warp += emu.threads[t].wait == AT_WARP;
    at_warpgroup += emu.threads[t].wait == AT_WARPGROUP;
  }
  if (done != emu.num_threads) {
    int n = snprintf(
        emu.error, sizeof(emu.error),
        "deadlock: %d of %d threads finished, %d wait at a barrier, %d at "
        "a warp collective, %d at a wgmma, %d on an mbarrier phase that "
        "never completes, %d at setmaxnreg.inc for registers nobody gives up",
        done, emu.num_threads, at_barrier, at_warp, at_warpgroup, at_mbarrier,
        at_registers);
    for (int t = 0; t < emu.num_threads; ++t) {
      const Thread *w = &emu.threads[t];
      if (w->wait != AT_MBARRIER)
        continue;
      const Mbarrier *m = &emu.mbarriers[w->wait_barrier];
      snprintf(emu.error + n, sizeof(emu.error) - (size_t)n,
               " (thread %d: the mbarrier at shared byte %td, completed "
               "phases %u, %d arrivals pending)",
               t, m->address - emu.shared, m->phase, m->pending);
      break;
    }
    return -1;
  }
  for (int i = 0; i < emu.num_mbarriers; ++i)
    if (emu.mbarriers[i].num_copies > emu.mbarriers[i].num_done) {
      snprintf(emu.error, sizeof(emu.error),
               "the kernel ended with %d TMA copies on the mbarrier at shared "
               "byte %td in flight (their phase never completed)",
               emu.mbarriers[i].num_copies - emu.mbarriers[i].num_done,
               emu.mbarriers[i].address - emu.shared);
      return -1;
    }
  for (int i = 0; i < SHARED_GUARD; ++i)
    if ((unsigned char)emu.shared[emu.shared_bytes + i] != 0xa5) {
      snprintf(emu.error, sizeof(emu.error),
               "a write past the end of the block's %zu bytes of dynamic "
               "shared memory (byte %d after it)",
               emu.shared_bytes, i);
      return -1;
    }
  return 0;
}

EXPORT CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy,
                               unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned shared, void *stream,
                               void **params, void **extra) {
  (void)stream;
  Function *f = function;
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  unsigned long threads = (unsigned long)bx * by * bz;
  if (extra || !gx || !gy || !gz || !bx || !by || !bz || bx > MAX_THREADS ||
      by > MAX_THREADS || bz > 64 || threads > MAX_THREADS || threads % WARP ||
      gx > 0x7fffffffu || gy > 65535 || gz > 65535) {
    warn("%s: bad launch: grid (%u, %u, %u), block (%u, %u, %u)%s", f->name, gx,
         gy, gz, bx, by, bz, extra ? ", extra parameters" : "");
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (shared > (unsigned)f->shared_limit) {
    warn("%s: %u bytes of dynamic shared memory, %d allowed "
         "(cuFuncSetAttribute)",
         f->name, shared, f->shared_limit);
    return CUDA_ERROR_INVALID_VALUE;
  }
  const char *trace = getenv("ATTUNE_EMULATOR_TRACE");
  if (trace && *trace && strcmp(trace, "0"))
    warn("launch %s grid (%u, %u, %u) block (%u, %u, %u) shared %u", f->name,
         gx, gy, gz, bx, by, bz, shared);
  pthread_mutex_lock(&launch_lock);
  CUresult result = CUDA_SUCCESS;
  const char *schedule = getenv("ATTUNE_EMULATOR_SCHEDULE");
  const char *copies = getenv("ATTUNE_EMULATOR_COPIES");
  emu.warp_ahead = schedule && !strcmp(schedule, "warp-ahead");
  emu.low_first = schedule && !strcmp(schedule, "low-first");
  emu.early_copies = copies && !strcmp(copies, "early");
  emu.num_threads = (int)threads;
  emu.block[0] = bx, emu.block[1] = by, emu.block[2] = bz;
  emu.grid[0] = gx, emu.grid[1] = gy, emu.grid[2] = gz;
  emu.params = params;
  emu.entry = f->entry;
  const char *offset_setting = getenv("ATTUNE_EMULATOR_SHARED_OFFSET");
  char *end = NULL;
  size_t offset = offset_setting ? strtoul(offset_setting, &end, 0) : 0;
  if ((end && (end == offset_setting || *end)) || offset % 16 ||
      offset >= SHARED_ALIGN) {
    warn("ATTUNE_EMULATOR_SHARED_OFFSET=%s: not a multiple of 16 below 2^18",
         offset_setting);
    pthread_mutex_unlock(&launch_lock);
    return CUDA_ERROR_INVALID_VALUE;
  }
  emu.shared_bytes = shared;
  emu.shared_block = aligned_alloc(
      SHARED_ALIGN, (offset + shared + SHARED_GUARD + SHARED_ALIGN - 1) /
                        SHARED_ALIGN * SHARED_ALIGN);
  emu.shared = emu.shared_block ? emu.shared_block + offset : NULL;
  if (!emu.shared || map_stacks((int)threads) != 0) {
    result = CUDA_ERROR_OUT_OF_MEMORY;
  } else {
    for (unsigned z = 0; z < gz && !result; ++z)
      for (unsigned y = 0; y < gy && !result; ++y)
        for (unsigned x = 0; x < gx && !result; ++x) {
          emu.block_id[0] = x, emu.block_id[1] = y, emu.block_id[2] = z;
          if (run_block() != 0) {
            warn("%s: block (%u, %u, %u): %s", f->name, x, y, z, emu.error);
            result = CUDA_ERROR_LAUNCH_FAILED;
          }
        }
  }
  free(emu.shared_block);
  emu.shared = emu.shared_block = NULL;
  pthread_mutex_unlock(&launch_lock);
  return result;
}

/*===----------------------------------------------------------------------===*
 * What the kernels call (attune-convert-gpu-to-emulator)
 *===----------------------------------------------------------------------===*/

EXPORT int64_t __attune_emu_id(int32_t which) {
  const Thread *t = emu.current;
  unsigned tid = (unsigned)t->tid;
  switch (which) {
  case 0:
    return tid % emu.block[0];
  case 1:
    return tid / emu.block[0] % emu.block[1];
  case 2:
    return tid / (emu.block[0] * emu.block[1]);
  case 3:
  case 4:
  case 5:
    return emu.block_id[which - 3];
  case 6:
  case 7:
  case 8:
    return emu.block[which - 6];
  case 9:
  case 10:
  case 11:
    return emu.grid[which - 9];
  case 12:
    return (int64_t)emu.shared_bytes;
  }
  fail("unknown id %d", which);
}

EXPORT void *__attune_emu_shared(void) { return emu.shared; }

EXPORT void __attune_emu_barrier(void) {
  Thread *self = emu.current;
  check_wgmma_waited(self, "a barrier");
  self->unsynced_writes = 0;
  if (++emu.arrived == emu.num_threads) {
    emu.arrived = 0;
    ++emu.generation;
    return;
  }
  self->wait = AT_BARRIER;
  self->wait_generation = emu.generation;
  block_until_released(self);
}

/* bar.sync id, count (count < 0: the whole block). Threads arrive one by
 * one; the hardware counts whole warps, which is the same for the whole
 * warps the check requires. */
/* setmaxnreg.{inc,dec}.sync.aligned.u32 count (increase: 1): a thread's
 * registers go back to the block's pool (dec) or come from it (inc, which
 * waits until others gave up enough: a kernel whose increases exceed its
 * decreases deadlocks, as on the GPU). The count is 24 to 256 in units of
 * 8, not above the thread's for dec nor below it for inc. */
EXPORT void __attune_emu_setmaxnreg(int32_t increase, int32_t count) {
  Thread *self = emu.current;
  if (count < 24 || count > 256 || count % 8)
    fail("setmaxnreg %d (24 to 256, a multiple of 8)", count);
  if (increase ? count < self->registers : count > self->registers)
    fail("setmaxnreg.%s %d with %d registers (thread %d)",
         increase ? "inc" : "dec", count, self->registers, self->tid);
  if (!increase) {
    emu.spare_registers += self->registers - count;
    self->registers = count;
    return;
  }
  self->wanted_registers = count;
  if (emu.spare_registers < count - self->registers) {
    self->wait = AT_REGISTERS;
    block_until_released(self);
  }
  emu.spare_registers -= count - self->registers;
  self->registers = count;
}

/* bar.sync (wait) or bar.arrive on named barrier `id` over `count`
 * threads: the barrier completes when `count` threads arrived, waiting or
 * not. An arriving thread goes on (with wgmmas in flight, too); a waiting
 * one must have waited for its wgmmas and counts as having passed a
 * barrier. */
static void named_barrier(int32_t id, int32_t count, int wait) {
  Thread *self = emu.current;
  const char *op = wait ? "bar.sync" : "bar.arrive";
  if (count < 0)
    count = emu.num_threads;
  if (wait) {
    check_wgmma_waited(self, "a barrier");
    self->unsynced_writes = 0;
  }
  if (id <= 0 || id >= NAMED_BARRIERS)
    fail("%s on barrier %d (1-15 over part of the block)", op, id);
  if (count == 0 || count % WARP || count > emu.num_threads)
    fail("%s %d over %d threads (whole warps of the block's %d)", op, id, count,
         emu.num_threads);
  NamedBarrier *barrier = &emu.named[id];
  if (barrier->arrived > 0 && barrier->expected != count)
    fail("threads wait at barrier %d for %d and for %d threads", id,
         barrier->expected, count);
  barrier->expected = count;
  if (++barrier->arrived == count) {
    barrier->arrived = 0;
    ++barrier->generation;
    return;
  }
  if (!wait)
    return;
  self->wait = AT_NAMED_BARRIER;
  self->wait_barrier = id;
  self->wait_generation = barrier->generation;
  block_until_released(self);
}

EXPORT void __attune_emu_named_barrier(int32_t id, int32_t count) {
  if (id == 0 && (count < 0 || count == emu.num_threads)) {
    __attune_emu_barrier();
    return;
  }
  named_barrier(id, count, 1);
}

EXPORT void __attune_emu_named_arrive(int32_t id, int32_t count) {
  named_barrier(id, count, 0);
}

static const char *const collective_names[] = {"none", "shuffle", "ldmatrix",
                                               "mma.sync"};

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 31,
           mantissa = h & 1023;
  float magnitude;
  if (exponent == 0)
    magnitude = ldexpf((float)mantissa, -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = ldexpf((float)(mantissa | 1024), (int)exponent - 25);
  union {
    float f;
    uint32_t u;
  } bits = {magnitude};
  bits.u |= sign;
  return bits.f;
}

static float bf16_to_float(uint16_t h) {
  union {
    uint32_t u;
    float f;
  } bits = {(uint32_t)h << 16};
  return bits.f;
}

/* The b16 element `half` (0: low) of a 32-bit register. */
static float element(uint32_t reg, int half, int bf16) {
  uint16_t bits = (uint16_t)(reg >> (16 * half));
  return bf16 ? bf16_to_float(bits) : half_to_float(bits);
}

/* mma.sync.m16n8k16.row.col.f32: lane l = 4 g + t holds A (rows g and g + 8,
 * columns 2t, 2t + 1 and 8 more), B (rows 2t, 2t + 1 and 8 more, column g)
 * and C / D (rows g and g + 8, columns 2t, 2t + 1); PTX ISA, "Matrix
 * fragments for mma.m16n8k16". */
static void compute_mma(Warp *w) {
  float a[16][16], b[16][8], c[16][8];
  for (int lane = 0; lane < WARP; ++lane) {
    int g = lane / 4, t = lane % 4;
    const uint32_t *in = w->in[lane];
    for (int r = 0; r < 4; ++r)
      for (int h = 0; h < 2; ++h)
        a[g + 8 * (r & 1)][2 * t + h + 8 * (r >> 1)] =
            element(in[r], h, w->bf16);
    for (int r = 0; r < 2; ++r)
      for (int h = 0; h < 2; ++h)
        b[2 * t + h + 8 * r][g] = element(in[4 + r], h, w->bf16);
    for (int r = 0; r < 4; ++r) {
      union {
        uint32_t u;
        float f;
      } bits = {in[6 + r]};
      c[g + 8 * (r >> 1)][2 * t + (r & 1)] = bits.f;
    }
  }
  for (int lane = 0; lane < WARP; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int r = 0; r < 4; ++r) {
      int m = g + 8 * (r >> 1), n = 2 * t + (r & 1);
      float sum = c[m][n];
      for (int k = 0; k < 16; ++k)
        sum += a[m][k] * b[k][n];
      memcpy(&w->out[lane][r], &sum, 4);
    }
  }
}

/* ldmatrix.m8n8.x{1,2,4}.b16: lanes 8i..8i+7 give the rows of matrix i;
 * lane l receives row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1 of each
 * matrix, or with .trans those columns' elements of rows 2 (l % 4) and
 * 2 (l % 4) + 1 at column l / 4. */
static void compute_ldmatrix(Warp *w) {
  for (int lane = 0; lane < WARP; ++lane)
    for (int i = 0; i < w->tiles; ++i) {
      uint16_t lo, hi;
      if (w->transpose) {
        const char *r0 = w->address[8 * i + 2 * (lane % 4)];
        const char *r1 = w->address[8 * i + 2 * (lane % 4) + 1];
        memcpy(&lo, r0 + 2 * (lane / 4), 2);
        memcpy(&hi, r1 + 2 * (lane / 4), 2);
      } else {
        const char *row = w->address[8 * i + lane / 4];
        memcpy(&lo, row + 4 * (lane % 4), 2);
        memcpy(&hi, row + 4 * (lane % 4) + 2, 2);
      }
      w->out[lane][i] = (uint32_t)lo | (uint32_t)hi << 16;
    }
}

/* gpu.shuffle over segments of `width` lanes: the value and whether the
 * source lane was inside the segment (else the lane's own value). */
static void compute_shuffle(Warp *w) {
  for (int lane = 0; lane < WARP; ++lane) {
    int width = (int)w->in[lane][2], offset = (int)w->in[lane][1];
    int base = width > 0 ? lane - lane % width : 0, source = -1;
    switch (w->mode) {
    case 0:
      source = lane ^ offset;
      break;
    case 1:
      source = lane + offset;
      break;
    case 2:
      source = lane - offset;
      break;
    case 3:
      source = base + offset;
      break;
    }
    int valid =
        width > 0 && source >= base && source < base + width && source < WARP;
    w->out[lane][0] = valid ? w->in[source][0] : w->in[lane][0];
    w->out[lane][1] = (uint32_t)valid;
  }
}

/* Lane `self` at collective `op` with its inputs in w->in[lane]; returns when
 * the warp's last lane has arrived and computed every lane's outputs. */
static Warp *arrive(Thread *self, int op) {
  Warp *w = &emu.warps[self->tid / WARP];
  if (w->arrived > 0 && w->op != op)
    fail("warp %d: lane %d reached %s while other lanes wait at %s",
         self->tid / WARP, self->tid % WARP, collective_names[op],
         collective_names[w->op]);
  w->op = op;
  if (++w->arrived < WARP) {
    self->wait = AT_WARP;
    self->wait_generation = w->generation;
    block_until_released(self);
    return w;
  }
  if (op == SHUFFLE)
    compute_shuffle(w);
  else if (op == LDMATRIX)
    compute_ldmatrix(w);
  else
    compute_mma(w);
  w->arrived = 0;
  ++w->generation;
  return w;
}

EXPORT int64_t __attune_emu_shuffle(int32_t value, int32_t offset,
                                    int32_t width, int32_t mode) {
  Thread *self = emu.current;
  Warp *w = &emu.warps[self->tid / WARP];
  int lane = self->tid % WARP;
  if (w->arrived > 0 && w->op == SHUFFLE && w->mode != mode)
    fail("warp %d: lanes shuffle in different modes", self->tid / WARP);
  w->mode = mode;
  w->in[lane][0] = (uint32_t)value;
  w->in[lane][1] = (uint32_t)offset;
  w->in[lane][2] = (uint32_t)width;
  arrive(self, SHUFFLE);
  return (int64_t)w->out[lane][0] | (int64_t)w->out[lane][1] << 32;
}

EXPORT void __attune_emu_ldmatrix(const void *row, int32_t tiles,
                                  int32_t transpose, uint32_t *out) {
  Thread *self = emu.current;
  Warp *w = &emu.warps[self->tid / WARP];
  int lane = self->tid % WARP;
  if (tiles != 1 && tiles != 2 && tiles != 4)
    fail("ldmatrix of %d matrices", tiles);
  if (w->arrived > 0 && w->op == LDMATRIX &&
      (w->tiles != tiles || w->transpose != transpose))
    fail("warp %d: lanes load different ldmatrix shapes", self->tid / WARP);
  w->tiles = tiles;
  w->transpose = transpose;
  w->address[lane] = row;
  arrive(self, LDMATRIX);
  memcpy(out, w->out[lane], 4 * (size_t)tiles);
}

EXPORT void __attune_emu_mma(int32_t bf16, int32_t a0, int32_t a1, int32_t a2,
                             int32_t a3, int32_t b0, int32_t b1, float c0,
                             float c1, float c2, float c3, float *d) {
  Thread *self = emu.current;
  Warp *w = &emu.warps[self->tid / WARP];
  int lane = self->tid % WARP;
  uint32_t *in = w->in[lane];
  if (w->arrived > 0 && w->op == MMA && w->bf16 != bf16)
    fail("warp %d: lanes multiply different types", self->tid / WARP);
  w->bf16 = bf16;
  in[0] = (uint32_t)a0, in[1] = (uint32_t)a1, in[2] = (uint32_t)a2;
  in[3] = (uint32_t)a3, in[4] = (uint32_t)b0, in[5] = (uint32_t)b1;
  memcpy(&in[6], &c0, 4), memcpy(&in[7], &c1, 4);
  memcpy(&in[8], &c2, 4), memcpy(&in[9], &c3, 4);
  arrive(self, MMA);
  memcpy(d, w->out[lane], 16);
}

EXPORT void __attune_emu_cp_async(void *dst, const void *src, int32_t bytes,
                                  int32_t src_bytes) {
  Thread *self = emu.current;
  if (bytes != 4 && bytes != 8 && bytes != 16)
    fail("cp.async of %d bytes", bytes);
  if (src_bytes < 0 || src_bytes > bytes)
    fail("cp.async of %d source bytes into %d", src_bytes, bytes);
  const char *shared = emu.shared;
  if ((char *)dst < shared || (char *)dst + bytes > shared + emu.shared_bytes)
    fail("cp.async to outside the block's dynamic shared memory");
  if (self->num_copies == self->max_copies) {
    int grown = self->max_copies ? 2 * self->max_copies : 64;
    Copy *copies = realloc(self->copies, sizeof(Copy) * (size_t)grown);
    if (!copies)
      fail("out of memory");
    self->copies = copies;
    self->max_copies = grown;
  }
  Copy copy = {dst, src, bytes, src_bytes, -1};
  self->copies[self->num_copies++] = copy;
  if (emu.early_copies) {
    self->copies[self->num_copies - 1].group = 0;
    land_copies(self, 0);
  }
}

EXPORT void __attune_emu_commit(void) {
  Thread *self = emu.current;
  ++self->groups;
  for (int i = 0; i < self->num_copies; ++i)
    if (self->copies[i].group < 0)
      self->copies[i].group = self->groups;
}

EXPORT void __attune_emu_wait(int32_t pending) {
  Thread *self = emu.current;
  land_copies(self, self->groups - pending);
}

/*===----------------------------------------------------------------------===*
 * wgmma (sm_90a)
 *===----------------------------------------------------------------------===*/

/* The shared address (18 bits, or more past the descriptor's start) of
 * element (mn, k) of a wgmma operand:
 * 8x8 core matrices of 128 contiguous bytes, `stride` bytes apart along M /
 * N and `leading` bytes apart along K (PTX ISA, "Matrix Descriptor Format",
 * "Strides": no swizzle); a K-major core matrix is 8 rows of 8 K-elements,
 * an MN-major one 8 rows of 8 M / N-elements. */
static size_t operand_offset(uint64_t desc, int mn, int k, int mn_major) {
  size_t start = (size_t)(desc & 0x3fff) << 4;
  size_t leading = (size_t)(desc >> 16 & 0x3fff) << 4;
  size_t stride = (size_t)(desc >> 32 & 0x3fff) << 4;
  if (desc >> 62 == 1) {
    /* The 128-byte swizzle: atoms of 8 rows of 128 bytes whose 16-byte
     * chunks are permuted by XOR with the row modulo 8, address bits 4-6
     * with bits 7-9 (atoms 1024-byte aligned). K-major: M / N rows 128
     * bytes apart, atoms `stride` apart, K contiguous from the start (the
     * leading offset unused); MN-major: 64 M / N elements a row, K rows 128
     * bytes apart, atoms `stride` apart along K and 64-element blocks
     * `leading` apart along M / N. */
    size_t offset = mn_major ? start + (size_t)(mn / 64) * leading +
                                   (size_t)(k / 8) * stride +
                                   (size_t)(k % 8) * 128 + (size_t)(mn % 64) * 2
                             : start + (size_t)(mn / 8) * stride +
                                   (size_t)(mn % 8) * 128 + (size_t)k * 2;
    return offset ^ ((offset >> 7 & 7) << 4);
  }
  size_t inner = mn_major ? (size_t)(k % 8) * 16 + (size_t)(mn % 8) * 2
                          : (size_t)(mn % 8) * 16 + (size_t)(k % 8) * 2;
  return start + (size_t)(mn / 8) * stride + (size_t)(k / 8) * leading + inner;
}

static float operand(uint64_t desc, int mn, int k, int mn_major, int bf16) {
  /* The address's low 18 bits, less those of where shared memory starts. */
  size_t offset = (operand_offset(desc, mn, k, mn_major) -
                   ((uintptr_t)emu.shared & (SHARED_ALIGN - 1))) &
                  (SHARED_ALIGN - 1);
  if (offset + 2 > emu.shared_bytes)
    fail("wgmma reads byte %zu of %zu bytes of shared memory", offset,
         emu.shared_bytes);
  uint16_t bits;
  memcpy(&bits, emu.shared + offset, 2);
  return bf16 ? bf16_to_float(bits) : half_to_float(bits);
}

static void check_descriptor(uint64_t desc, const char *which) {
  /* Bits 14-15, 30-31, 46-48 and 52-61 are reserved. */
  const uint64_t reserved =
      3ull << 14 | 3ull << 30 | 7ull << 46 | 0x3ffull << 52;
  if (desc & reserved)
    fail("wgmma operand %s: reserved descriptor bits set (%#llx)", which,
         (unsigned long long)(desc & reserved));
  if (desc >> 62 > 1)
    fail("wgmma operand %s: the 64- and 32-byte swizzles (mode %d) are not "
         "emulated",
         which, (int)(desc >> 62));
  if (desc >> 49 & 7)
    fail("wgmma operand %s: a base offset is not emulated", which);
}

/* wgmma.mma_async.m64nNk16.f32: warp w of the warpgroup holds rows
 * [16 w, 16 w + 16) of D; lane 4 g + t value 4 j + e is row g + 8 (e / 2),
 * column 8 j + 2 t + e % 2 (PTX ISA, "Matrix fragments for wgmma.m64nNk16",
 * accumulator D). */
static void compute_wgmma(Warpgroup *g) {
  static float a[64][16], b[256][16];
  check_descriptor(g->desc_b, "B");
  if (g->register_a) {
    /* Warp w's rows [16 w, 16 w + 16) in mma.sync m16n8k16's A fragment:
     * register r of lane 4 g + t holds row g + 8 (r % 2), columns
     * 8 (r / 2) + 2 t and + 1 (the low half first). */
    for (int t = 0; t < WARPGROUP; ++t) {
      int w = t / WARP, lane = t % WARP;
      for (int r = 0; r < 4; ++r)
        for (int e = 0; e < 2; ++e) {
          uint16_t bits = (uint16_t)(g->a[t][r] >> (16 * e));
          a[16 * w + lane / 4 + 8 * (r % 2)][8 * (r / 2) + 2 * (lane % 4) + e] =
              g->bf16 ? bf16_to_float(bits) : half_to_float(bits);
        }
    }
  } else {
    check_descriptor(g->desc_a, "A");
    for (int m = 0; m < 64; ++m)
      for (int k = 0; k < 16; ++k)
        a[m][k] = operand(g->desc_a, m, k, 0, g->bf16);
  }
  for (int n = 0; n < g->n; ++n)
    for (int k = 0; k < 16; ++k)
      b[n][k] = operand(g->desc_b, n, k, g->transpose_b, g->bf16);
  for (int t = 0; t < WARPGROUP; ++t) {
    int w = t / WARP, lane = t % WARP, row = 16 * w + lane / 4;
    for (int i = 0; i < g->n / 2; ++i) {
      int j = i / 4, e = i % 4;
      int m = row + 8 * (e / 2), n = 8 * j + 2 * (lane % 4) + e % 2;
      float sum = g->accumulate ? g->acc[t][i] : 0.0f;
      for (int k = 0; k < 16; ++k)
        sum += a[m][k] * b[n][k];
      g->acc[t][i] = sum;
    }
  }
}

/* A thread's part of a wgmma (A from its registers `a` when not NULL, else
 * from desc_a): the last of the warpgroup's 128 computes it. */
static void wgmma(float *acc, const uint32_t *a, uint64_t desc_a,
                  uint64_t desc_b, int32_t n, int32_t bf16, int32_t accumulate,
                  int32_t transpose_b) {
  Thread *self = emu.current;
  int register_a = a != NULL;
  accumulate = accumulate != 0;
  if (emu.num_threads % WARPGROUP)
    fail("wgmma in a block of %d threads (not whole warpgroups)",
         emu.num_threads);
  if (!self->wgmma_fenced)
    fail("thread %d: wgmma.mma_async without wgmma.fence since its last "
         "wait",
         self->tid);
  if (n < 8 || n > 256 || n % 8)
    fail("wgmma with N = %d", n);
  Warpgroup *g = &emu.warpgroups[self->tid / WARPGROUP];
  if (g->arrived > 0 &&
      (g->register_a != register_a || g->desc_a != desc_a ||
       g->desc_b != desc_b || g->n != n || g->bf16 != bf16 ||
       g->accumulate != accumulate || g->transpose_b != transpose_b))
    fail("warpgroup %d: threads issue different wgmmas (descriptors, shape, "
         "types or where A comes from)",
         self->tid / WARPGROUP);
  g->register_a = register_a, g->desc_a = desc_a, g->desc_b = desc_b;
  g->n = n, g->bf16 = bf16;
  g->accumulate = accumulate, g->transpose_b = transpose_b;
  g->acc[self->tid % WARPGROUP] = acc;
  if (register_a)
    memcpy(g->a[self->tid % WARPGROUP], a, sizeof(g->a[0]));
  ++self->wgmma_issued;
  if (++g->arrived < WARPGROUP) {
    self->wait = AT_WARPGROUP;
    self->wait_generation = g->generation;
    block_until_released(self);
    return;
  }
  /* The wgmma reads what the warpgroup's threads wrote: each must have
   * passed a barrier since (the collective itself is no barrier on the
   * hardware). */
  int first = self->tid / WARPGROUP * WARPGROUP;
  for (int t = first; t < first + WARPGROUP; ++t)
    if (emu.threads[t].unsynced_writes)
      fail("a wgmma of warpgroup %d reads shared memory that thread %d wrote "
           "without a barrier between them",
           self->tid / WARPGROUP, t);
  for (int t = 0; t < emu.num_threads; ++t)
    if (emu.threads[t].unfenced_writes)
      fail("a wgmma reads shared memory that thread %d wrote (a store or a "
           "landed cp.async copy) without fence.proxy.async after it",
           t);
  compute_wgmma(g);
  g->arrived = 0;
  ++g->generation;
}

EXPORT void __attune_emu_wgmma(float *acc, uint64_t desc_a, uint64_t desc_b,
                               int32_t n, int32_t bf16, int32_t accumulate,
                               int32_t transpose_b) {
  wgmma(acc, NULL, desc_a, desc_b, n, bf16, accumulate, transpose_b);
}

EXPORT void __attune_emu_wgmma_register_a(float *acc, const uint32_t *a,
                                          uint64_t desc_b, int32_t n,
                                          int32_t bf16, int32_t scale_d,
                                          int32_t transpose_b) {
  wgmma(acc, a, 0, desc_b, n, bf16, scale_d, transpose_b);
}

EXPORT void __attune_emu_wgmma_fence(void) { emu.current->wgmma_fenced = 1; }

EXPORT void __attune_emu_wgmma_commit(void) {
  Thread *self = emu.current;
  if (self->wgmma_issued)
    ++self->wgmma_groups;
  self->wgmma_issued = 0;
}

EXPORT void __attune_emu_wgmma_wait(int32_t pending) {
  Thread *self = emu.current;
  if (self->wgmma_groups > pending)
    self->wgmma_groups = pending;
  self->wgmma_fenced = 0;
}

EXPORT void __attune_emu_proxy_fence(void) {
  emu.current->unfenced_writes = 0;
}

EXPORT void __attune_emu_shared_store(void) {
  emu.current->unfenced_writes = emu.current->unsynced_writes = 1;
}

/*===----------------------------------------------------------------------===*
 * Tensor maps, mbarriers and the TMA (sm_90)
 *===----------------------------------------------------------------------===*/

/* What cuTensorMapEncodeTiled puts in a CUtensorMap's 128 opaque bytes
 * here: a tiled map without interleave, swizzle or element strides. */
#define TENSOR_MAP_MAGIC 0x41544d41u
typedef struct {
  uint32_t magic, rank, element, swizzle;
  uint64_t address;
  uint64_t dims[5], strides[5]; /* strides in bytes; strides[0] = element */
  uint32_t box[5];
} TensorMap;
_Static_assert(sizeof(TensorMap) <= 128, "a tensor map is 128 bytes");

/* The driver's checks (cuda.h, cuTensorMapEncodeTiled), and what the
 * emulator does not model (interleave, swizzles other than 128 bytes,
 * element strides, NaN fill): CUDA_ERROR_INVALID_VALUE with a message. */
EXPORT CUresult cuTensorMapEncodeTiled(void *map, int type, uint32_t rank,
                                       void *address, const uint64_t *dims,
                                       const uint64_t *strides,
                                       const uint32_t *box,
                                       const uint32_t *steps, int interleave,
                                       int swizzle, int promotion, int fill) {
  static const int sizes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  (void)promotion;
  if (!map || (uintptr_t)map % 64 || type < 0 || type > 12 || rank < 1 ||
      rank > 5 || !address || (uintptr_t)address % 16 || !dims || !box ||
      !steps || (rank > 1 && !strides)) {
    warn("cuTensorMapEncodeTiled: a bad argument (map 64-byte aligned, type, "
         "rank 1-5, address 16-byte aligned)");
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (interleave || (swizzle != 0 && swizzle != 3) || fill) {
    warn("cuTensorMapEncodeTiled: the emulator has no interleave, swizzles "
         "other than 128 bytes (3) or NaN fill");
    return CUDA_ERROR_INVALID_VALUE;
  }
  TensorMap t;
  memset(&t, 0, sizeof(t));
  t.magic = TENSOR_MAP_MAGIC;
  t.rank = rank;
  t.element = (uint32_t)sizes[type];
  t.swizzle = (uint32_t)swizzle;
  t.address = (uint64_t)(uintptr_t)address;
  t.strides[0] = t.element;
  for (uint32_t d = 0; d < rank; ++d) {
    if (!dims[d] || dims[d] > (1ull << 32) || !box[d] || box[d] > 256 ||
        steps[d] != 1) {
      warn("cuTensorMapEncodeTiled: dimension %u: extent %llu, box %u, "
           "element stride %u (extents 1..2^32, boxes 1..256; the emulator "
           "takes element strides of 1)",
           d, (unsigned long long)dims[d], box[d], steps[d]);
      return CUDA_ERROR_INVALID_VALUE;
    }
    if (d > 0 && (strides[d - 1] % 16 || strides[d - 1] >= (1ull << 40))) {
      warn("cuTensorMapEncodeTiled: stride %u (%llu bytes) not a multiple of "
           "16 below 2^40",
           d, (unsigned long long)strides[d - 1]);
      return CUDA_ERROR_INVALID_VALUE;
    }
    t.dims[d] = dims[d];
    t.box[d] = box[d];
    if (d > 0)
      t.strides[d] = strides[d - 1];
  }
  if (box[0] * t.element % 16 || (swizzle && box[0] * t.element > 128)) {
    warn("cuTensorMapEncodeTiled: the box's inner extent (%u bytes) is not a "
         "multiple of 16, or above the swizzle's 128",
         box[0] * t.element);
    return CUDA_ERROR_INVALID_VALUE;
  }
  memset(map, 0, 128);
  memcpy(map, &t, sizeof(t));
  return CUDA_SUCCESS;
}

/* The mbarrier at `address`, which must lie in shared memory, 8-byte
 * aligned, and have been initialized (unless `create`). */
static Mbarrier *mbarrier_at(void *address, int create, const char *what) {
  char *p = address;
  if (p < emu.shared || p + 8 > emu.shared + emu.shared_bytes ||
      (uintptr_t)p % 8)
    fail("thread %d: %s on an mbarrier outside shared memory or not 8-byte "
         "aligned",
         emu.current->tid, what);
  for (int i = 0; i < emu.num_mbarriers; ++i)
    if (emu.mbarriers[i].address == p)
      return &emu.mbarriers[i];
  if (!create)
    fail("thread %d: %s on an mbarrier never initialized (shared byte %td)",
         emu.current->tid, what, p - emu.shared);
  if (emu.num_mbarriers == MAX_MBARRIERS)
    fail("more than %d mbarriers in a block", MAX_MBARRIERS);
  Mbarrier *m = &emu.mbarriers[emu.num_mbarriers++];
  m->address = p;
  return m;
}

/* Lands the boxes of the mbarrier's completed phases. */
static void land_boxes(Mbarrier *m) {
  for (int c = 0; c < m->num_done; ++c) {
    memcpy(m->copies[c].dst, m->copies[c].data, m->copies[c].bytes);
    free(m->copies[c].data);
  }
  memmove(m->copies, m->copies + m->num_done,
          sizeof(TmaCopy) * (size_t)(m->num_copies - m->num_done));
  m->num_copies -= m->num_done;
  m->num_done = 0;
}

/* Completes the current phase when every arrival and every expected byte
 * is in: waiting threads are released. Its boxes land as late as the
 * hardware may land them: when a thread's wait observes the phase, or
 * before the mbarrier's next TMA or arrival, so that a thread reading the
 * tile without waiting for it reads what was there before. */
static void complete_phase(Mbarrier *m) {
  if (m->pending > 0)
    return;
  if (m->issued_bytes > m->expected_bytes)
    fail("mbarrier at shared byte %td: TMA copies of %lld bytes on a phase "
         "that expects %lld (expect_tx): the phase would complete before "
         "they land",
         m->address - emu.shared, m->issued_bytes, m->expected_bytes);
  if (m->issued_bytes < m->expected_bytes)
    return;
  m->num_done = m->num_copies;
  m->pending = m->expected;
  m->expected_bytes = m->issued_bytes = 0;
  ++m->phase;
}

EXPORT void __attune_emu_mbarrier_init(void *address, int32_t count) {
  Mbarrier *m = mbarrier_at(address, 1, "mbarrier.init");
  if (count < 1 || count >= (1 << 20))
    fail("thread %d: mbarrier.init with %d arrivals (1 to 2^20 - 1)",
         emu.current->tid, count);
  if (m->num_copies > m->num_done)
    fail("thread %d: mbarrier.init on an mbarrier with TMA copies in flight",
         emu.current->tid);
  land_boxes(m);
  m->expected = m->pending = count;
  m->expected_bytes = m->issued_bytes = 0;
  m->phase = 0;
}

EXPORT void __attune_emu_mbarrier_expect_tx(void *address, int32_t bytes) {
  Mbarrier *m = mbarrier_at(address, 0, "mbarrier.arrive.expect_tx");
  if (bytes < 0 || bytes >= (1 << 20))
    fail("thread %d: expect_tx of %d bytes (0 to 2^20 - 1)", emu.current->tid,
         bytes);
  land_boxes(m);
  m->expected_bytes += bytes;
  --m->pending;
  complete_phase(m);
}

/* try_wait.parity in a loop: returns once the phase of parity `parity` has
 * completed, i.e. the current phase's parity differs. */
EXPORT void __attune_emu_mbarrier_wait(void *address, int32_t parity) {
  Thread *self = emu.current;
  Mbarrier *m = mbarrier_at(address, 0, "mbarrier.try_wait.parity");
  if ((m->phase & 1u) == ((unsigned)parity & 1u)) {
    self->wait = AT_MBARRIER;
    self->wait_barrier = (int)(m - emu.mbarriers);
    self->wait_generation = m->phase;
    block_until_released(self);
  }
  land_boxes(m);
}

/* cp.async.bulk.tensor, tile mode: the box at `coords` of the tensor map,
 * row-major and without gaps at `dst` (128-byte aligned shared memory;
 * with the 128-byte swizzle 1024-byte aligned, each 16-byte chunk at its
 * address with bits 4-6 XOR bits 7-9), zeros where it leaves the tensor; read
 * at issue, landing after the mbarrier's phase completes (complete_phase; at
 * once with ATTUNE_EMULATOR_COPIES=early). */
EXPORT void __attune_emu_tma_load(const void *map, void *dst, void *bar,
                                  int32_t rank, int32_t c0, int32_t c1,
                                  int32_t c2, int32_t c3, int32_t c4) {
  Thread *self = emu.current;
  TensorMap t;
  memcpy(&t, map, sizeof(t));
  if (t.magic != TENSOR_MAP_MAGIC)
    fail("thread %d: cp.async.bulk.tensor on a tensor map that "
         "cuTensorMapEncodeTiled did not encode",
         self->tid);
  if ((uint32_t)rank != t.rank)
    fail("thread %d: a %dd cp.async.bulk.tensor on a rank-%u tensor map",
         self->tid, rank, t.rank);
  Mbarrier *m = mbarrier_at(bar, 0, "cp.async.bulk.tensor");
  size_t bytes = t.element;
  for (uint32_t d = 0; d < t.rank; ++d)
    bytes *= t.box[d];
  char *out = dst;
  size_t align = t.swizzle ? 1024 : 128;
  if (t.swizzle && bytes % 128)
    fail("thread %d: a swizzled TMA box of %zu bytes (not whole 128-byte "
         "rows) is not emulated",
         self->tid, bytes);
  if (out < emu.shared || out + bytes > emu.shared + emu.shared_bytes ||
      (uintptr_t)out % align)
    fail("thread %d: a TMA box of %zu bytes at shared byte %td (address "
         "%% %zu = %zu): outside shared memory or not %zu-byte aligned",
         self->tid, bytes, out - emu.shared, align,
         (size_t)((uintptr_t)out % align), align);
  char *data = malloc(bytes);
  if (!data)
    fail("out of memory");
  int32_t coords[5] = {c0, c1, c2, c3, c4};
  uint32_t index[5] = {0, 0, 0, 0, 0};
  for (size_t at = 0; at < bytes; at += t.element) {
    int inside = 1;
    uint64_t offset = 0;
    for (uint32_t d = 0; d < t.rank; ++d) {
      int64_t c = (int64_t)coords[d] + index[d];
      inside &= c >= 0 && (uint64_t)c < t.dims[d];
      offset += (uint64_t)c * t.strides[d];
    }
    /* Staged where it lands: the swizzle permutes 16-byte chunks inside
     * the box's 1024-byte aligned atoms. */
    size_t to = t.swizzle ? at ^ ((at >> 7 & 7) << 4) : at;
    if (inside)
      memcpy(data + to, (const char *)(uintptr_t)t.address + offset, t.element);
    else
      memset(data + to, 0, t.element);
    for (uint32_t d = 0; d < t.rank && ++index[d] == t.box[d]; ++d)
      index[d] = 0;
  }
  land_boxes(m);
  if (emu.early_copies) {
    memcpy(out, data, bytes);
    free(data);
  } else {
    if (m->num_copies == m->max_copies) {
      int grown = m->max_copies ? 2 * m->max_copies : 16;
      TmaCopy *copies = realloc(m->copies, sizeof(TmaCopy) * (size_t)grown);
      if (!copies)
        fail("out of memory");
      m->copies = copies;
      m->max_copies = grown;
    }
    TmaCopy copy = {out, data, bytes};
    m->copies[m->num_copies++] = copy;
  }
  m->issued_bytes += (long long)bytes;
  complete_phase(m);
}
