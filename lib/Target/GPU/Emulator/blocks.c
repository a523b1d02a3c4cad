/*===- blocks.c - threads as fibers, launches -----------------------------===*
 *
 * A launch runs its blocks one after another, a block's threads as fibers
 * on the launching thread (the schedules, deadlocks, the shared memory
 * canary), and the block-wide synchronization the kernels call: ids,
 * barriers (the block's and named ones), setmaxnreg.
 *
 *===----------------------------------------------------------------------===*/

#include "emulator.h"

Emulator emu;

static pthread_mutex_t launch_lock = PTHREAD_MUTEX_INITIALIZER;

void fail(const char *format, ...) {
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

void block_until_released(Thread *self) {
  while (waiting(self))
    yield();
  self->wait = RUNNING;
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
 * threads (count < 0: the whole block): the barrier completes when `count`
 * threads arrived, waiting or not. Threads arrive one by one; the hardware
 * counts whole warps, which is the same for the whole warps the check
 * requires. An arriving thread goes on (with wgmmas in flight, too); a waiting
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
