/*===- wgmma.c - warpgroup products (sm_90a) ------------------------------===*
 *
 * wgmma.mma_async with its descriptors (no swizzle and the 128-byte
 * swizzle), A from shared memory or registers, and the fences, commits,
 * waits and proxy fences whose omission it reports.
 *
 *===----------------------------------------------------------------------===*/

#include "emulator.h"

void check_wgmma_waited(const Thread *t, const char *where) {
  if (t->wgmma_issued || t->wgmma_groups)
    fail("thread %d: wgmma.mma_async not committed and waited for before %s",
         t->tid, where);
}

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

EXPORT void __attune_emu_proxy_fence(void) { emu.current->unfenced_writes = 0; }

EXPORT void __attune_emu_shared_store(void) {
  emu.current->unfenced_writes = emu.current->unsynced_writes = 1;
}
