/*===- emulator.h - the CUDA emulator's shared state ----------------------===*
 *
 * Built as libcuda.so.1 in its own directory (build/lib/cuda-emulator): put
 * that directory on LD_LIBRARY_PATH and Attune's C launchers load it instead
 * of NVIDIA's driver. It implements the driver entry points the launchers
 * call, and runs the kernels of an image that
 * `attune-compile --target=cuda --emulate` built: a CPU shared object whose
 * kernels (attune-convert-gpu-to-emulator) call back into this library for
 * everything a GPU thread shares with others. driver.c holds the context,
 * memory and modules, blocks.c launches, fibers and barriers, warps.c the
 * warp collectives and cp.async, wgmma.c the warpgroup products, tma.c
 * tensor maps, mbarriers and the TMA.
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
 *===----------------------------------------------------------------------===*/

#ifndef ATTUNE_CUDA_EMULATOR_H
#define ATTUNE_CUDA_EMULATOR_H

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

typedef struct {
  void *library;
} Module;

typedef struct {
  void (*entry)(void **);
  char name[128];
  int shared_limit;
} Function;

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

typedef struct {
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
} Emulator;

/* The launch in progress (one at a time: launch_lock). */
extern Emulator emu;

/* A message on stderr. */
__attribute__((format(printf, 1, 2))) void warn(const char *format, ...);
/* Ends the launch with `format` as the reason (blocks.c). */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *format,
                                                          ...);
/* Runs other threads until `self` may go on (blocks.c). */
void block_until_released(Thread *self);
/* Lands `t`'s cp.async copies of groups up to `up_to_group` (warps.c). */
void land_copies(Thread *t, int up_to_group);
/* Fails when `t` has wgmmas not committed and waited for (wgmma.c). */
void check_wgmma_waited(const Thread *t, const char *where);

/* `items` with room for element `count` (of `size` bytes; `*capacity`
 * allocated, doubled from `first`); ends the launch when out of memory. */
static inline void *reserve(void *items, int count, int *capacity, size_t size,
                            int first) {
  if (count < *capacity)
    return items;
  int grown = *capacity ? 2 * *capacity : first;
  void *more = realloc(items, size * (size_t)grown);
  if (!more)
    fail("out of memory");
  *capacity = grown;
  return more;
}

static inline float half_to_float(uint16_t h) {
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

static inline float bf16_to_float(uint16_t h) {
  union {
    uint32_t u;
    float f;
  } bits = {(uint32_t)h << 16};
  return bits.f;
}

#endif /* ATTUNE_CUDA_EMULATOR_H */
