/*===- warps.c - warp collectives, cp.async -------------------------------===*
 *
 * What a warp computes together (shuffle, ldmatrix, mma.sync: the last
 * lane to arrive computes every lane's outputs) and cp.async copies, which
 * land at the wait that covers them.
 *
 *===----------------------------------------------------------------------===*/

#include "emulator.h"

static const char *const collective_names[] = {"none", "shuffle", "ldmatrix",
                                               "mma.sync"};

void land_copies(Thread *t, int up_to_group) {
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
  self->copies = reserve(self->copies, self->num_copies, &self->max_copies,
                         sizeof(Copy), 64);
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
