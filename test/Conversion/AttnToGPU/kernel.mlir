// RUN: attune-opt %s --convert-attn-to-gpu --canonicalize --cse -split-input-file | FileCheck %s

// f16, GQA 2:1, D = 32, causal, LSE. The host function becomes a declaration
// implemented by the launcher; the kernel reads q, k, v, out, lse (host
// arguments 0..4), then B, Lq, Lk. The two query heads of a KV group share a
// block (packed row p: position p / 2 of head 2y + p % 2), so K and V are
// read once per group. Shared memory: a 64 x (32 + 8) Q tile and
// two 64 x 40 tiles each of K and V, in 16-bit elements:
// (64 * 40 + 2 * 64 * 40 * 2) * 2 = 25600 bytes.

// CHECK: module attributes {gpu.container_module}
// CHECK: func.func private @causal(tensor<?x4x?x32xf16>, {{.*}}) attributes {attune.gpu_kernel = @attune_kernels::@causal}
// CHECK: gpu.module @attune_kernels
// After the operands: the split-KV workspace (partial rows, partial LSEs),
// then B, Lq, Lk and the number of key chunks S.
// CHECK: gpu.func @causal(%[[Q:.*]]: memref<?xf16>, %[[K:.*]]: memref<?xf16>, %[[V:.*]]: memref<?xf16>, %[[O:.*]]: memref<?xf16>, %[[LSE:.*]]: memref<?xf32>, %[[WO:.*]]: memref<?xf32>, %[[WL:.*]]: memref<?xf32>, %[[B:.*]]: index, %[[LQ:.*]]: index, %[[LK:.*]]: index, %[[S:.*]]: index) kernel
// CHECK-SAME: attune.block_rows = 64 : i64, attune.extra_sizes = array<i64>, attune.heads_per_block = 2 : i64, attune.host_args = array<i64: 0, 1, 2, 3, 4>, attune.merge_kernel = "causal_merge", attune.query_heads = 4 : i64, attune.shared_bytes = 25600 : i64, attune.threads = 128 : i64, known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 1 : i32
// The exponent's constants (below).
// CHECK-DAG: %[[C:.*]] = arith.constant dense<0.255034{{[0-9]*}}> : vector<32xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 0.176776{{[0-9]*}} : f32
// CHECK-DAG: %[[NEG_C:.*]] = arith.constant -0.255034{{[0-9]*}} : f32
// CHECK-DAG: %[[EIGHT:.*]] = arith.constant 8.000000e+00 : f32
// The key offsets of a lane's scores in a tile (below).
// CHECK-DAG: %[[OFFSETS:.*]] = arith.constant dense<[0, 1, 0, 1, 8, 9, 8, 9, 16, 17, 16, 17, 24, 25, 24, 25, 32, 33, 32, 33, 40, 41, 40, 41, 48, 49, 48, 49, 56, 57, 56, 57]> : vector<32xi32>
// CHECK: %[[Y:.*]] = gpu.block_id  y
// Grid z: batch row z / S, key chunk z % S.
// CHECK: %[[Z:.*]] = gpu.block_id  z
// CHECK: arith.divui %[[Z]], %[[S]]
// CHECK: arith.remui %[[Z]], %[[S]]
// CHECK: %[[FIRST_HEAD:.*]] = arith.muli %[[Y]], %c2
// CHECK: %[[SMEM:.*]] = gpu.dynamic_shared_memory
// CHECK-DAG: %[[QS:.*]] = memref.view %[[SMEM]][%{{.*}}][] : {{.*}} to memref<64x40xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[KS:.*]] = memref.view %[[SMEM]][%{{.*}}][] : {{.*}} to memref<2x64x40xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[VS:.*]] = memref.view %[[SMEM]][%{{.*}}][] : {{.*}} to memref<2x64x40xf16, #gpu.address_space<workgroup>>
// Prologue: Q and the first key tile (rows past the end copy 0 elements).
// CHECK: nvgpu.device_async_copy %[[Q]][%{{.*}}], %[[QS]][%{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1}
// A key tile wholly below the limit (Lk, or 0 past the block's steps)
// copies its rows unguarded, each thread's two chunks of a tile 32 rows
// (1024 elements) apart; the tile the limit cuts guards each row. Whole:
// first < limit and first + 64 <= limit, unsigned (a tile at -64 is not).
// CHECK: %[[LIMIT:.*]] = arith.select %{{.*}}, %[[LK]], %c0 : index
// CHECK-NEXT: %[[STARTS:.*]] = arith.cmpi ult, %[[FIRST:.*]], %[[LIMIT]] : index
// CHECK-NEXT: %[[END:.*]] = arith.addi %[[FIRST]], %c64 : index
// CHECK-NEXT: %[[ENDS:.*]] = arith.cmpi ule, %[[END]], %[[LIMIT]] : index
// CHECK-NEXT: %[[WHOLE:.*]] = arith.andi %[[STARTS]], %[[ENDS]] : i1
// CHECK: scf.if %[[WHOLE]] -> (!nvgpu.device.async.token) {
// CHECK: nvgpu.device_async_copy %[[K]][%[[AT:[0-9]+]]], %[[KS]][%c0, %{{.*}}, %{{.*}}], 8 {bypassL1}
// CHECK-NEXT: %[[AT2:.*]] = arith.addi %[[AT]], %c1024 : index
// CHECK-NEXT: nvgpu.device_async_copy %[[K]][%[[AT2]]], %[[KS]][%c0, %{{.*}}, %{{.*}}], 8 {bypassL1}
// CHECK: nvgpu.device_async_copy %[[V]][%[[AT]]], %[[VS]][%c0, %{{.*}}, %{{.*}}], 8 {bypassL1}
// CHECK: } else {
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %{{.*}} : index
// CHECK-NEXT: %[[EXISTS:.*]] = arith.cmpi ult, %[[ROW]], %[[LIMIT]] : index
// CHECK: %[[ELEMENTS:.*]] = arith.select %[[EXISTS]], %c8, %c0 : index
// CHECK-NEXT: nvgpu.device_async_copy %[[K]][%{{.*}}], %[[KS]][%c0, %{{.*}}, %{{.*}}], 8, %[[ELEMENTS]] {bypassL1}
// CHECK: nvgpu.device_async_copy %[[V]][%{{.*}}], %[[VS]][%c0, %{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// Q fragments: D / 16 = 2 loads, kept in registers.
// CHECK-COUNT-2: nvgpu.ldmatrix %[[QS]]{{.*}} {numTiles = 4 : i32, transpose = false}
// Packed rows to positions for the scores' masks.
// CHECK: arith.divui %{{.*}}, %{{.*}} : vector<32xi32>
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, vector<16xf32>)
// The next tile is in flight while this one is used.
// CHECK: scf.if %{{.*}} -> (!nvgpu.device.async.token) {
// CHECK: nvgpu.device_async_copy %[[K]]{{.*}}, 8 {bypassL1}
// CHECK: nvgpu.device_async_copy %[[V]]{{.*}}, 8 {bypassL1}
// CHECK: } else {
// CHECK: nvgpu.device_async_copy %[[K]]{{.*}}, 8, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_copy %[[V]]{{.*}}, 8, %{{.*}} {bypassL1}
// S = Q K^T: 64 keys x 2 k-steps = 16 mma.sync m16n8k16.
// CHECK: nvgpu.ldmatrix %[[KS]]{{.*}} transpose = false
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// Tiles not entirely visible take the mask: causal, one bound a row (the
// end of its visible keys in the tile, less 2 quad) against each score's
// constant key offset (columns 2t, 2t + 1 of each 8-key slice); no key or
// diagonal distance is built.
// CHECK: scf.if %{{.*}} -> (vector<32xf32>) {
// CHECK: } else {
// CHECK: vector.extract %[[POS:.*]][0] : i32 from vector<32xi32>
// CHECK: vector.extract %[[POS]][2] : i32 from vector<32xi32>
// CHECK: %[[ENDS:.*]] = vector.from_elements %[[END0:.*]], %[[END0]], %[[END1:.*]], %[[END1]], %[[END0]], %[[END0]], %[[END1]], %[[END1]],
// CHECK-NEXT: %[[VISIBLE:.*]] = arith.cmpi sgt, %[[ENDS]], %[[OFFSETS]] : vector<32xi32>
// CHECK-NEXT: arith.select %[[VISIBLE]], %{{.*}}, %{{.*}} : vector<32xi1>, vector<32xf32>
// Row maxima across the 4 lanes of a row.
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32
// The running maximum moves only when the tile's exceeds it by more than 8
// in the base-2 exponent; otherwise it stays and alpha is exactly 1.
// CHECK: %[[ROWMAX:.*]] = arith.maximumf
// CHECK-NEXT: %[[GAP:.*]] = arith.subf %[[ROWMAX]], %[[M:.*]] : f32
// CHECK-NEXT: %[[GAP2:.*]] = arith.mulf %[[GAP]], %[[CS:.*]] : f32
// CHECK-NEXT: %[[GROWS:.*]] = arith.cmpf ogt, %[[GAP2]], %[[EIGHT]] : f32
// CHECK-NEXT: arith.select %[[GROWS]], %[[ROWMAX]], %[[M]] : f32
// CHECK: %[[ALPHA:.*]] = math.exp2
// CHECK-NEXT: arith.select %[[GROWS]], %[[ALPHA]], %[[ONE:.*]] : f32
// No modifier: the scale (1 / sqrt(32)) stays out of the scores and goes into
// the exponent with log2 e, c = 0.17678 * 1.44270: p = exp2(s c - m c), one
// fma a score (alpha likewise); LSE takes scale * m.
// CHECK: arith.mulf %{{.*}}, %[[NEG_C]] : f32
// CHECK: %[[E:.*]] = math.fma %{{.*}}, %[[C]], %{{.*}} : vector<32xf32>
// CHECK-NEXT: math.exp2 %[[E]] : vector<32xf32>
// P, packed to f16, is the A operand of P V; V through ldmatrix.trans.
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK: nvgpu.ldmatrix %[[VS]]{{.*}} transpose = true
// CHECK-COUNT-8: nvvm.mma.sync
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: gpu.barrier
// CHECK: scf.yield
// Epilogue: row sums across lanes, O / l in f16 pairs, LSE by lane t = 0;
// with several chunks, f32 rows and LSEs into the workspace.
// CHECK: gpu.shuffle  xor
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: math.log
// CHECK: vector.store %{{.*}}, %[[O]][%{{.*}}] : memref<?xf16>, vector<2xf16>
// CHECK: memref.store %{{.*}}, %[[LSE]][%{{.*}}] : memref<?xf32>
// CHECK: } else {
// CHECK: vector.store %{{.*}}, %[[WO]][%{{.*}}] : memref<?xf32>, vector<2xf32>
// CHECK: memref.store %{{.*}}, %[[WL]][%{{.*}}] : memref<?xf32>
// CHECK: gpu.return
// The merge: one thread per output element; max of the chunks' LSEs, then
// the LSE-weighted sum of their rows.
// CHECK: gpu.func @causal_merge(%[[PO:.*]]: memref<?xf32>, %[[PL:.*]]: memref<?xf32>, %[[MO:.*]]: memref<?xf16>, %[[ML:.*]]: memref<?xf32>, %{{.*}}: index, %{{.*}}: index) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: scf.for
// CHECK: memref.load %[[PL]]
// CHECK: arith.maximumf
// CHECK: scf.for
// CHECK: math.exp
// CHECK: memref.load %[[PO]]
// CHECK: math.log
// CHECK: memref.store %{{.*}}, %[[MO]]
// CHECK: memref.store %{{.*}}, %[[ML]]
func.func @causal(%q: tensor<?x4x?x32xf16>, %k: tensor<?x2x?x32xf16>, %v: tensor<?x2x?x32xf16>, %o: memref<?x4x?x32xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16>) -> (tensor<?x4x?x32xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf16>, memref<?x4x?x32xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

// -----

// bf16 sigmoid with an f32 output, arguments in another order: the packed
// operands are i32 registers, there is no running max (no shuffles in the
// loop) and the output is not divided by a row sum.

// CHECK-LABEL: gpu.func @sigmoid
// CHECK-SAME: attune.host_args = array<i64: 1, 2, 3, 0>
// CHECK: scf.for
// CHECK-NOT: gpu.shuffle
// CHECK: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK: math.exp
// CHECK-NOT: gpu.shuffle
// CHECK: scf.yield
// CHECK-NOT: gpu.shuffle
// CHECK: vector.store %{{.*}} : memref<?xf32>, vector<2xf32>
func.func @sigmoid(%o: memref<2x2x100x64xf32>, %q: tensor<2x2x100x64xbf16>, %k: tensor<2x2x300x64xbf16>, %v: tensor<2x2x300x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>}
      : (tensor<2x2x100x64xbf16>, tensor<2x2x300x64xbf16>, tensor<2x2x300x64xbf16>) -> tensor<2x2x100x64xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<2x2x100x64xf32>, memref<2x2x100x64xf32>) -> ()
  return
}

// -----

// Ragged keys and ALiBi: each batch row reads its key count from
// kv_lengths (clamped to [0, Lk]) and the head's slope.

// CHECK-LABEL: gpu.func @ragged_alibi
// CHECK-SAME: (%{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %[[SLOPES:.*]]: memref<?xf32>, %[[LENS:.*]]: memref<?xi32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index, %{{.*}}: index, %[[LK:[a-z0-9]*]]: index, %{{.*}}: index)
// CHECK: %[[N:.*]] = memref.load %[[LENS]]
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]]
// CHECK: arith.maxsi %[[NI]]
// CHECK: arith.minsi %{{.*}}, %[[LK]]
// CHECK: memref.load %[[SLOPES]]
// CHECK: scf.for
// CHECK: math.absi
func.func @ragged_alibi(%q: tensor<?x4x1x128xf16>, %k: tensor<?x4x?x128xf16>, %v: tensor<?x4x?x128xf16>, %s: tensor<4xf32>, %n: tensor<?xi32>, %o: memref<?x4x1x128xf16>) {
  %out = attn.attention(%q, %k, %v) alibi(%s) kv_lengths(%n)
      : (tensor<?x4x1x128xf16>, tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<4xf32>, tensor<?xi32>) -> tensor<?x4x1x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x1x128xf16>, memref<?x4x1x128xf16>) -> ()
  return
}

// -----

// Per-query temperature: the scale times temperature[b, h, i] of the lane's
// two rows (extent 1 broadcast over the batch).

// CHECK-LABEL: gpu.func @temperature
// CHECK-SAME: %[[T:[a-z0-9]*]]: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK-COUNT-2: memref.load %[[T]]
// CHECK: scf.for
// CHECK: arith.mulf %{{.*}} : vector<32xf32>
func.func @temperature(%q: tensor<?x2x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %t: tensor<1x2x?xf32>, %o: memref<?x2x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) temperature(%t)
      : (tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?xf32>) -> tensor<?x2x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x64xf16>, memref<?x2x?x64xf16>) -> ()
  return
}

// -----

// Block-sparse lists (FlexAttention's BlockMask), per head: the walk visits
// the listed key blocks (64-key tiles of 128-key blocks), skips entries seen
// before or out of range, and masks only partial blocks. The launcher passes
// q_blocks and the capacities (parameter 4 dim 2, parameter 5 dim 3,
// parameter 7 dim 3: kernel parameters are q, k, v, out, then the lists)
// after B, Lq, Lk.

// CHECK-LABEL: gpu.func @block_sparse
// CHECK-SAME: attune.extra_sizes = array<i64: 4, 2, 5, 3, 7, 3>
// CHECK-SAME: attune.heads_per_block = 1
// CHECK: scf.for
// A skipped step keeps the running state.
// CHECK: scf.if %{{.*}} -> (f32, f32, f32, f32, vector<64xf32>) {
// CHECK-NEXT: scf.yield
// CHECK: } else {
// CHECK: nvvm.mma.sync
func.func @block_sparse(%q: tensor<?x2x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %n: tensor<?x2x?xi32>, %i: tensor<?x2x?x?xi32>, %fn: tensor<?x2x?xi32>, %fi: tensor<?x2x?x?xi32>, %o: memref<?x2x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%n, %i) full_blocks(%fn, %fi) {block_size = array<i64: 128, 128>, mask = #attn.mask<causal>}
      : (tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?xi32>, tensor<?x2x?x?xi32>, tensor<?x2x?xi32>, tensor<?x2x?x?xi32>) -> tensor<?x2x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x128xbf16>, memref<?x2x?x128xbf16>) -> ()
  return
}

// -----

// Block lists that are constants (attn-build-block-mask at compile time) are
// embedded as globals: no parameters, no extents for the launcher.

// CHECK-DAG: memref.global "private" constant @static_lists_constant4 : memref<2xi32> = dense<[1, 2]>
// CHECK-DAG: memref.global "private" constant @static_lists_constant5 : memref<4xi32> = dense<[0, 0, 0, 1]>
// CHECK-LABEL: gpu.func @static_lists
// CHECK-SAME: (%{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf16>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK-SAME: attune.extra_sizes = array<i64>
// CHECK-SAME: attune.host_args = array<i64: 0, 1, 2, 3>
// CHECK: memref.get_global @static_lists_constant4
// CHECK: memref.get_global @static_lists_constant5
func.func @static_lists(%q: tensor<1x2x128x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>, %o: memref<1x2x128x64xf16>) {
  %n = arith.constant dense<[[[1, 2]]]> : tensor<1x1x2xi32>
  %i = arith.constant dense<[[[[0, 0], [0, 1]]]]> : tensor<1x1x2x2xi32>
  %out = attn.attention(%q, %k, %v) blocks(%n, %i) {block_size = array<i64: 64, 64>, mask = #attn.mask<causal>}
      : (tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x2x128x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x128x64xf16>, memref<1x2x128x64xf16>) -> ()
  return
}

// -----

// GQA 3:1 with block lists shared by the heads: three heads do not divide a
// tile's 64 rows, and a tile must lie inside one query block, so the heads
// stay unpacked (one head per tile; grid y = Hq).

// CHECK-LABEL: gpu.func @block_sparse_gqa3
// CHECK-SAME: attune.heads_per_block = 1
// CHECK-SAME: attune.query_heads = 3
func.func @block_sparse_gqa3(%q: tensor<?x3x?x64xf16>, %k: tensor<?x1x?x64xf16>, %v: tensor<?x1x?x64xf16>, %n: tensor<1x1x?xi32>, %i: tensor<1x1x?x?xi32>, %o: memref<?x3x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%n, %i) {block_size = array<i64: 64, 64>, mask = #attn.mask<causal>}
      : (tensor<?x3x?x64xf16>, tensor<?x1x?x64xf16>, tensor<?x1x?x64xf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x3x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x3x?x64xf16>, memref<?x3x?x64xf16>) -> ()
  return
}
