// RUN: attune-opt %s --convert-attn-to-cpu --canonicalize --split-input-file | FileCheck %s
// RUN: attune-opt %s --convert-attn-to-cpu="lanes=8 query-vectors=2 kv-tile=32 row-block=2" --canonicalize --split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: attune-opt %s --convert-attn-to-cpu="kv-splits=4" --canonicalize --split-input-file | FileCheck %s --check-prefix=SPLIT
// RUN: attune-opt %s --convert-attn-to-cpu --canonicalize --split-input-file | FileCheck %s --check-prefix=MEDIUM

// GQA 8:2 with a causal mask: the four query heads of a KV group share a tile
// (2 units of work per batch row). Decode-sized groups (at most 8 rows) take
// the row kernel, short problems one vector of rows, two vectors up to 32
// rows, the rest 64-row tiles.
// CHECK-LABEL: func.func @gqa_causal
// CHECK:         %[[OUT:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x8x?x64xf32>
// rows one by one, keys in lanes: s[r, j] = reduce(sum_c K[j, c] * Qs[r, c])
// CHECK:         scf.if %{{.+}} {
// CHECK:           scf.parallel (%{{.+}}, %{{.+}}) = (%c0, %c0) to (%{{.+}}, %c2)
// CHECK:             vector.fma %{{.+}} : vector<16xf32>
// the 16 keys' sums at once: a transposing tree of shuffles and adds
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23] : vector<16xf32>, vector<16xf32>
// CHECK:             arith.addf %{{.+}} : vector<16xf32>
// Os[r, :] = alpha Os[r, :] + sum_j p[r, j] V[j, :]
// CHECK:             vector.fma
// CHECK:         } else {
// rows per KV group = 4 * Lq; one vector of rows when that fits in 16 lanes
// CHECK:         scf.if %{{.+}} {
// CHECK:           scf.parallel (%{{.+}}, %{{.+}}, %{{.+}}) = (%c0, %c0, %c0) to (%{{.+}}, %c2, %{{.+}})
// Qt (scaled Q^T), S^T / P^T and O^T scratch of a 16-row tile, on the stack
// of the iteration (scf.parallel is an allocation scope)
// CHECK:               memref.alloca() {alignment = 64 : i64} : memref<64x16xf32>
// CHECK:               memref.alloca() {alignment = 64 : i64} : memref<64x16xf32>
// CHECK:               memref.alloca() {alignment = 64 : i64} : memref<64x16xf32>
// m = -inf, l = 0 per row, carried over the visible key tiles
// CHECK:               scf.for {{.+}} iter_args(%{{.+}} = %cst{{.*}}, %{{.+}} = %cst{{.*}}) -> (vector<16xf32>, vector<16xf32>)
// S^T[j, :] += K[j, d] * Qt[d, :]  (f32 K read in place, no packing)
// CHECK:                 tensor.extract %{{.+}} : tensor<?x2x?x64xf32>
// CHECK:                 vector.broadcast %{{.+}} : f32 to vector<16xf32>
// CHECK:                 vector.fma
// mask only the tiles that are not entirely visible
// CHECK:                 scf.if
// CHECK:                   arith.select %{{.+}} : vector<16xi1>, vector<16xf32>
// m' = max(m, max_j S^T);  alpha = exp(m - m');  P^T = exp(S^T - m')
// CHECK:                 arith.maximumf
// CHECK:                 math.exp
// CHECK:                 math.exp
// Ot = alpha * Ot + V^T P^T
// CHECK:                 arith.mulf %{{.+}} : vector<16xf32>
// CHECK:                 vector.fma
// O = Ot^T / l (0 when l = 0)
// CHECK:               arith.divf
// CHECK:               arith.select
// CHECK:         } else {
// the same loop nest with 64-row tiles
// CHECK:           scf.parallel
// CHECK:             memref.alloca() {alignment = 64 : i64} : memref<64x64xf32>
// The 17..32 rows of a group take a tile of two vectors (no half-empty
// 64-row tile):
// MEDIUM:        %[[M:.+]] = arith.cmpi ule, %{{.+}}, %c32 : index
// MEDIUM:        scf.if %[[M]] {
// MEDIUM:          memref.alloca() {alignment = 64 : i64} : memref<64x32xf32>
// MEDIUM:        } else {
// MEDIUM:          memref.alloca() {alignment = 64 : i64} : memref<64x64xf32>
// CHECK:         bufferization.to_tensor %[[OUT]] restrict writable
// AVX2-LABEL: func.func @gqa_causal
// AVX2:         memref.alloca() {alignment = 64 : i64} : memref<64x8xf32>
// AVX2:         memref.alloca() {alignment = 64 : i64} : memref<32x8xf32>
// AVX2:         memref.alloca() {alignment = 64 : i64} : memref<64x16xf32>
func.func @gqa_causal(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// bf16 inputs are widened to f32 one key tile at a time; the output is
// narrowed on the way out.
// CHECK-LABEL: func.func @bf16_keys_widened
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<64x32xf32>
// CHECK:         vector.load %{{.+}} : memref<1x1x?x32xbf16>, vector<32xbf16>
// CHECK:         arith.extf %{{.+}} : vector<32xbf16> to vector<32xf32>
// CHECK:         arith.truncf %{{.+}} : f32 to bf16
func.func @bf16_keys_widened(%q: tensor<1x2x?x32xbf16>, %k: tensor<1x1x?x32xbf16>, %v: tensor<1x1x?x32xbf16>) -> tensor<1x2x?x32xbf16> {
  %o = attn.attention(%q, %k, %v)
      : (tensor<1x2x?x32xbf16>, tensor<1x1x?x32xbf16>, tensor<1x1x?x32xbf16>) -> tensor<1x2x?x32xbf16>
  return %o : tensor<1x2x?x32xbf16>
}

// -----

// Sigmoid: p = 1 / (1 + exp(-(s + b))), b = -log(Lk); no running max.
// CHECK-LABEL: func.func @sigmoid
// CHECK:         math.log
// CHECK:         arith.negf
// CHECK-NOT:     arith.maximumf
// CHECK:         arith.divf %{{.+}} : vector<16xf32>
func.func @sigmoid(%q: tensor<1x1x?x16xf32>, %k: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>}
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

// -----

// An additive bias: s += bias[b, h, i, j], gathered per lane from a flat view
// (rows of a tile are different query positions).
// CHECK-LABEL: func.func @bias
// CHECK:         memref.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : memref<1x1x4x4xf32> into memref<16xf32>
// CHECK:         vector.gather %{{.+}}[%{{.+}}] [%{{.+}}], %{{.+}}, %{{.+}} : memref<16xf32>, vector<16xindex>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:         arith.addf
func.func @bias(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>, %b: tensor<1x1x4x4xf32>) -> tensor<1x1x4x16xf32> {
  %o = attn.attention(%q, %k, %v) bias(%b)
      : (tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x16xf32>
  return %o : tensor<1x1x4x16xf32>
}

// -----

// Block lists whose query blocks are smaller than a vector of rows (4 < 16)
// are not fused: the op stays for the reference path.
// CHECK-LABEL: func.func @block_sparse_left_alone
// CHECK:         attn.attention
// CHECK-NOT:     scf.parallel
func.func @block_sparse_left_alone(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>, %nb: tensor<1x1x2xi32>, %idx: tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 4, 4>}
      : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// A mask_mod region is inlined in vector form: its index arithmetic runs on
// vectors of (head, position, key) and its predicate masks whole vectors; no
// tile counts as entirely visible.
// CHECK-LABEL: func.func @mask_mod_vectorized
// CHECK:         arith.remui %{{.+}} : vector<16xindex>
// CHECK:         arith.cmpi ne, %{{.+}} : vector<16xindex>
// CHECK:         arith.andi %{{.+}} : vector<16xi1>
func.func @mask_mod_vectorized(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c0 = arith.constant 0 : index
    %c3 = arith.constant 3 : index
    %s = arith.addi %i, %j : index
    %m = arith.remui %s, %c3 : index
    %r = arith.cmpi ne, %m, %c0 : index
    attn.yield %r : i1
  } : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// -----

// Block lists with 16 x 32 blocks: key tiles of 32 keys, one per listed block,
// walked from the lists (full blocks first); repeated entries are skipped.
// CHECK-LABEL: func.func @block_sparse_fused
// CHECK-NOT:     attn.attention
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<32x16xf32>
// CHECK:         scf.for
// skip = block < 0 || keyBegin >= Lk || listed before
// CHECK:           arith.cmpi slt
// CHECK:           arith.cmpi sge
// CHECK:           scf.if %{{.+}} -> (vector<16xf32>, vector<16xf32>)
func.func @block_sparse_fused(%q: tensor<1x1x?x16xf32>, %k: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %fnb: tensor<1x1x?xi32>, %fidx: tensor<1x1x?x?xi32>) -> tensor<1x1x?x16xf32> {
  %o = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 16, 32>}
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

// -----

// Split-KV decode (here forced: kv-splits=4): the key chunks of each unit run
// as iterations of their own and leave un-normalized rows with (m, l) in
// buffers; a second parallel loop merges them exactly:
//   M = max_c m_c,  w_c = exp(m_c - M),  O = sum_c w_c O_c / sum_c w_c l_c
// SPLIT-LABEL: func.func @mqa_decode
// SPLIT:         memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?x1x4x8x64xf32>
// (batch, chunk) once the single KV group's loop dimension folds away
// SPLIT:         scf.parallel (%{{.+}}, %{{.+}}) = (%c0, %c0) to (%{{.+}}, %c4)
// SPLIT:         scf.parallel (%{{.+}}) = (%c0) to (%{{.+}})
// SPLIT:           arith.maximumf
// SPLIT:           math.exp
func.func @mqa_decode(%q: tensor<?x8x?x64xf32>, %k: tensor<?x1x?x64xf32>, %v: tensor<?x1x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %o = attn.attention(%q, %k, %v)
      : (tensor<?x8x?x64xf32>, tensor<?x1x?x64xf32>, tensor<?x1x?x64xf32>) -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
