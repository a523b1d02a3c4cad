/*===- tma.c - tensor maps, mbarriers, the TMA ----------------------------===*
 *
 * cuTensorMapEncodeTiled, mbarrier phases with arrivals and transaction
 * bytes, and cp.async.bulk.tensor boxes that land when a wait observes
 * their phase (sm_90).
 *
 *===----------------------------------------------------------------------===*/

#include "emulator.h"

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
    m->copies =
        reserve(m->copies, m->num_copies, &m->max_copies, sizeof(TmaCopy), 16);
    TmaCopy copy = {out, data, bytes};
    m->copies[m->num_copies++] = copy;
  }
  m->issued_bytes += (long long)bytes;
  complete_phase(m);
}
