// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true" --canonicalize --cse | FileCheck %s
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="tma=true" 2>&1 | FileCheck %s --check-prefix=SYNC
// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true stages=3" --canonicalize --cse | FileCheck %s --check-prefix=STAGES
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma stages=3" 2>&1 | FileCheck %s --check-prefix=BAD-STAGES
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true stages=9" 2>&1 | FileCheck %s --check-prefix=BAD-STAGES
// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true stages=3 overlap=true" --canonicalize --cse | FileCheck %s --check-prefix=OVERLAP
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true overlap=true" 2>&1 | FileCheck %s --check-prefix=BAD-OVERLAP
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma overlap=true stages=3" 2>&1 | FileCheck %s --check-prefix=BAD-STAGES
// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true warps=8 kv-tile=128 stages=3 warp-specialize=true" --canonicalize --cse | FileCheck %s --check-prefix=SPECIALIZE
// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true warp-specialize=true" --canonicalize --cse | FileCheck %s --check-prefix=SPECIALIZE-ONE
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma warp-specialize=true" 2>&1 | FileCheck %s --check-prefix=BAD-SPECIALIZE
// RUN: attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true warps=8 kv-tile=128 stages=3 overlap=true ping-pong=true" --canonicalize --cse | FileCheck %s --check-prefix=PING-PONG
// RUN: not attune-opt %s --split-input-file --convert-attn-to-gpu="mma=wgmma tma=true ping-pong=true" 2>&1 | FileCheck %s --check-prefix=BAD-PING-PONG

// The sm_90a kernel with its K and V tiles through the TMA: f16, GQA 4:1,
// D = 128, causal, one warpgroup, 64-key tiles. The tensor maps of K and V
// lead the parameters (aligned as CUtensorMap); the four mbarriers (K and V
// of each buffer landed, each buffer released) follow the tiles in shared
// memory: 81920 + 48 bytes (P stays in registers). The
// tiles have the 128-byte swizzle: rows of 64 columns in column blocks,
// [D / 64][rows][8 chunks][8], the descriptors' layout type 1. Its atoms
// need the tiles at a 1024-byte aligned address, the hardware promises 16:
// the kernel asks for 1008 bytes more and starts the tiles at the next
// multiple of 1024.

// CHECK-LABEL: gpu.func @causal
// CHECK-SAME: (%[[KMAP:.*]]: !llvm.ptr {llvm.align = 64 : i64}, %[[VMAP:.*]]: !llvm.ptr {llvm.align = 64 : i64}, %{{.*}}: memref<?xf16>
// CHECK-SAME: attune.shared_bytes = 82976
// CHECK-SAME: attune.tensor_map_rows = 64
// Descriptor constants: K-major (Q, K) leading 16 (unused), stride 1024
// between 8-row atoms: the high word 1 << 62 | (1024 / 16) << 32, the low
// word's (16 / 16) << 16; V N-major, the same high word, leading 64 * 128
// between 64-column blocks: (8192 / 16) << 16.
// CHECK-DAG: arith.constant 4611686293305294848 : i64
// CHECK-DAG: arith.constant 65536 : i32
// CHECK-DAG: arith.constant 33554432 : i32
// Thread 0 initializes the mbarriers at bytes 81920, 81928 (K), 81936 and
// 81944 (V), one arrival a phase, then 81952 and 81960 (released), 128
// arrivals, and fences the initialization.
// CHECK-DAG: arith.constant 81920 : i64
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[DYN:.*]] = gpu.dynamic_shared_memory
// CHECK-NEXT: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[DYN]]
// CHECK-NEXT: %[[NEG:.*]] = arith.subi %c0, %[[ADDR]]
// CHECK-NEXT: %[[SHIFT:.*]] = arith.andi %[[NEG]], %c1023
// CHECK-NEXT: %[[TILES:.*]] = memref.view %[[DYN]][%[[SHIFT]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<81968xi8, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[TILES]][%c0][] : memref<81968xi8, #gpu.address_space<workgroup>> to memref<2x64x8x8xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[BAR0:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
// CHECK-NEXT: nvvm.mbarrier.init %[[BAR0]], %c1_i32
// CHECK-COUNT-3: nvvm.mbarrier.init %{{.*}}, %c1_i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK-NEXT: nvvm.fence.mbarrier.init
// Every thread copies Q (cp.async, into the swizzled rows: chunk j of row r
// at j ^ r % 8); thread 0 announces the first tile's bytes (64 keys x 128
// columns x 2 bytes = 16384 for K and for V) and issues 2 boxes of 64
// columns each for K, then for V, at (64c, first key, kvBatch * Hkv +
// kvHead), into column blocks 8192 bytes apart.
// CHECK: arith.xori
// CHECK: nvgpu.device_async_copy
// CHECK: scf.if %[[FIRST]] {
// CHECK: arith.select %{{.*}}, %c16384_i32, %c0_i32
// CHECK: nvvm.mbarrier.arrive.expect_tx %[[KBAR:.*]], %{{.*}} : !llvm.ptr<3>, i32
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx
// CHECK: scf.if
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[KMAP]], %[[KBAR]], box[%c0_i32, %[[KEY:.*]], %[[HEAD:.*]]] : !llvm.ptr<7>, !llvm.ptr
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[KMAP]], %[[KBAR]], box[%c64_i32, %[[KEY]], %[[HEAD]]]
// CHECK-NEXT: arith.addi
// CHECK-NEXT: llvm.inttoptr
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[VMAP]], %{{.*}}, box[%c0_i32, %[[KEY]], %[[HEAD]]]
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[VMAP]], %{{.*}}, box[%c64_i32, %[[KEY]], %[[HEAD]]]
// CHECK-NEXT: }
// The Q copies land, are fenced and shared.
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// Each step j: thread 0 waits until every thread released the buffer step
// j - 1 used (its release mbarrier at 81952 + 8 buffer, parity of that use,
// (j - 1) / 2 % 2; not at step 0) and loads the next tile into it (no
// cp.async of K or V); the block waits for K before S = Q K^T and for V
// before O += P V, with the parity of the buffer's use (j / 2) % 2; each
// thread then releases the buffer (one arrival of 128): no block barrier.
// Buffer and parity are computed in 32 bits.
// CHECK: scf.for %[[STEP:.*]] = %c0 to
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: %[[STEP32:.*]] = arith.index_castui %[[STEP]] : index to i32
// CHECK: %[[HALF:.*]] = arith.divui %[[STEP32]], %c2_i32
// CHECK: %[[PARITY32:.*]] = arith.andi %[[HALF]], %c1_i32
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[NOTFIRST:.*]] = arith.cmpi ugt, %[[STEP]], %c0
// CHECK-NEXT: scf.if %[[NOTFIRST]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: }
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PARITY32]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PARITY32]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: llvm.inline_asm {{.*}}wgmma.mma_async
// CHECK-NOT: nvgpu.device_async_wait
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NEXT: scf.yield
func.func @causal(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %o: memref<?x8x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>) -> tensor<?x8x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  return
}

// -----

// Ragged kv_lengths: keys past a row's length must read as zeros, which the
// TMA's bounds (Lk) do not give, so this kernel is the mma=wgmma build's:
// cp.async into core matrices, no mbarriers (81920 bytes).

// CHECK-LABEL: gpu.func @ragged
// CHECK-SAME: (%{{.*}}: memref<?xf16>
// CHECK-SAME: attune.shared_bytes = 81920
// CHECK-NOT: attune.tensor_map_rows
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: nvgpu.device_async_copy
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: gpu.return
func.func @ragged(%q: tensor<?x4x1x128xf16>, %k: tensor<?x4x?x128xf16>, %v: tensor<?x4x?x128xf16>, %n: tensor<?xi32>, %o: memref<?x4x1x128xf16>) {
  %out = attn.attention(%q, %k, %v) kv_lengths(%n)
      : (tensor<?x4x1x128xf16>, tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?xi32>) -> tensor<?x4x1x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x1x128xf16>, memref<?x4x1x128xf16>) -> ()
  return
}

// -----

// Prefix attention under ragged suffixes: the shared prefix's kernel reads
// its K and V through the TMA (maps first; its box row is its KV head, the
// prefix's only batch row), the suffix's keeps cp.async (keys past a row's
// suffix length must read as zeros).

// CHECK-LABEL: gpu.func @prefix(
// CHECK-SAME: %{{.*}}: !llvm.ptr {llvm.align = 64 : i64}, %{{.*}}: !llvm.ptr {llvm.align = 64 : i64}, %{{.*}}: memref<?xf16>
// CHECK-SAME: attune.tensor_map_rows = 64
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: gpu.return
// CHECK-LABEL: gpu.func @prefix_segment1
// CHECK-SAME: (%{{.*}}: memref<?xf16>
// CHECK-NOT: attune.tensor_map_rows
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: nvgpu.device_async_copy
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: gpu.return
func.func @prefix(%q: tensor<?x8x1x128xf16>, %kp: tensor<1x2x?x128xf16>, %ks: tensor<?x2x?x128xf16>, %vp: tensor<1x2x?x128xf16>, %vs: tensor<?x2x?x128xf16>, %n: tensor<?xi32>, %o: memref<?x8x1x128xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>]}
      : (tensor<?x8x1x128xf16>, tensor<1x2x?x128xf16>, tensor<?x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?xi32>) -> tensor<?x8x1x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xf16>, memref<?x8x1x128xf16>) -> ()
  return
}

// SYNC: error: convert-attn-to-gpu: tma=true needs mma=wgmma (the TMA kernel is the sm_90a one)

// Three stages: three K and V buffers ((64 * 128 + 3 * 2 * 64 * 128) * 2
// bytes), nine mbarriers and the alignment's 1008 bytes; the prologue loads
// two tiles, step j uses buffer j % 3 with parity (j / 3) % 2 and loads
// step j + 2.
// STAGES-LABEL: gpu.func @causal
// STAGES-SAME: attune.shared_bytes = 115768
// STAGES-COUNT-9: nvvm.mbarrier.init
// STAGES: nvvm.mbarrier.arrive.expect_tx
// STAGES: nvvm.mbarrier.arrive.expect_tx
// STAGES: nvgpu.device_async_wait
// STAGES: scf.for %[[STEP:.*]] = %c0 to
// STAGES: %[[STEP32:.*]] = arith.index_castui %[[STEP]] : index to i32
// STAGES: arith.remui %[[STEP32]], %c3_i32
// STAGES: arith.divui %[[STEP32]], %c3_i32

// BAD-STAGES: error: convert-attn-to-gpu: stages={{[39]}} must be 2 to 8, and more than 2 needs tma=true (cp.async double-buffers)

// The intra-warpgroup overlap (overlap=true, 3 stages): the loop carries
// the row state, O, the pending P V's P (16 i32 A registers), its two
// rescale factors, whether it is pending and its step. Each step waits for
// K_j and for the V tile of the pending step (or, with none pending, its
// own), rescales O, issues S_j (8 wgmmas, committed, not waited for; no
// accumulator register touched between the issues, or ptxas waits for S_j
// there) and the pending P V (4 register-A wgmmas; with none pending P = 0 and
// factor 1: no branch between the wgmmas and their waits, which ptxas
// would serialize), waits for S_j alone (wait_group 1), computes the
// probabilities, waits for the P V (wait_group 0) and releases the pending
// step's buffer; thread 0 loads ahead at the end of the step. After the
// loop the last P V is issued, waited for and its buffer released.
// OVERLAP-LABEL: gpu.func @causal
// OVERLAP: %{{.*}}:10 = scf.for %[[IV:.*]] = %c0 to %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, vector<64xf32>, vector<16xi32>, f32, f32, i1, index)
// OVERLAP: nvvm.mbarrier.try_wait.parity
// OVERLAP: %[[USE:.*]] = arith.select %[[PENDING:.*]], %[[PUSE:.*]], %[[IV]] : index
// O is rescaled only when a factor is not 1 (a row's maximum moved), before
// S_j is issued.
// OVERLAP: nvvm.mbarrier.try_wait.parity
// OVERLAP-NEXT: %[[MOVED0:.*]] = arith.cmpf une, %{{.*}}, %cst{{.*}} : f32
// OVERLAP-NEXT: %[[MOVED1:.*]] = arith.cmpf une, %{{.*}}, %cst{{.*}} : f32
// OVERLAP-NEXT: %[[MOVED:.*]] = arith.ori %[[MOVED0]], %[[MOVED1]] : i1
// OVERLAP-NEXT: %[[RESCALED:.*]] = scf.if %[[MOVED]] -> (vector<64xf32>) {
// OVERLAP-NEXT: %[[FACTORS:.*]] = vector.from_elements
// OVERLAP-NEXT: arith.mulf %{{.*}}, %[[FACTORS]] : vector<64xf32>
// OVERLAP: } else {
// OVERLAP-NOT: scf.if
// OVERLAP: nvvm.wgmma.fence.aligned
// OVERLAP-COUNT-8: nvvm.wgmma.mma_async
// OVERLAP-NOT: scf.if
// OVERLAP-NOT: arith.mulf
// OVERLAP: nvvm.wgmma.commit.group.sync.aligned
// OVERLAP-NOT: scf.if
// OVERLAP-NOT: arith.mulf
// OVERLAP: nvvm.wgmma.fence.aligned
// OVERLAP-NOT: scf.if
// OVERLAP-COUNT-4: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async
// OVERLAP-NOT: scf.if
// OVERLAP: nvvm.wgmma.commit.group.sync.aligned
// OVERLAP-NEXT: %[[O:.*]] = vector.from_elements
// OVERLAP-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// OVERLAP: math.exp
// OVERLAP: nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP-NEXT: scf.if %[[PENDING]] {
// OVERLAP: nvvm.mbarrier.arrive
// OVERLAP: scf.if
// OVERLAP: nvvm.mbarrier.try_wait.parity
// OVERLAP: nvvm.cp.async.bulk.tensor.shared.cluster.global
// OVERLAP: scf.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[O]], %{{.*}}, %{{.*}}, %{{.*}}, %true, %[[IV]]
// OVERLAP: scf.if %{{.*}}#8 -> (vector<64xf32>) {
// OVERLAP-COUNT-4: llvm.inline_asm
// OVERLAP: nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP: nvvm.mbarrier.arrive

// BAD-OVERLAP: error: convert-attn-to-gpu: overlap=true needs tma=true and stages=3 or more (a buffer is released a step later)

// Warp specialization (two consumer warpgroups, 128-key tiles, 3 stages):
// 384 threads, the producer warpgroup last. Thread 0 initializes the
// mbarriers (256 releases a phase: the consumers'), a block barrier shares
// them, then the roles part: the consumers take 240 registers, copy Q and
// meet at named barrier 1 over their 256 threads; their loop waits and
// releases but never loads. The producer warpgroup gives up registers (24)
// and its first thread loads step k into buffer k % 3, once the consumers
// released its use at k - 3. The ragged kernel keeps cp.async: no
// producer, 256 threads.
// SPECIALIZE-LABEL: gpu.func @causal
// SPECIALIZE-SAME: attune.threads = 384
// SPECIALIZE-SAME: known_block_size = array<i32: 384, 1, 1>, nvvm.minctasm = 1
// SPECIALIZE: %[[TID:.*]] = gpu.thread_id x
// SPECIALIZE-COUNT-3: nvvm.mbarrier.init %{{.*}}, %c256_i32
// SPECIALIZE-NEXT: nvvm.fence.mbarrier.init
// SPECIALIZE-NEXT: }
// SPECIALIZE-NEXT: gpu.barrier
// SPECIALIZE-NEXT: %[[CONSUMER:.*]] = arith.cmpi ult, %[[TID]], %c256
// SPECIALIZE-NEXT: scf.if %[[CONSUMER]] {
// SPECIALIZE-NEXT: nvvm.setmaxregister increase 240
// SPECIALIZE-NOT: nvvm.cp.async.bulk.tensor
// SPECIALIZE: nvgpu.device_async_copy
// SPECIALIZE-NOT: gpu.barrier
// SPECIALIZE: nvvm.barrier id = %c1_i32 number_of_threads = %c256_i32
// SPECIALIZE-NOT: nvvm.cp.async.bulk.tensor
// SPECIALIZE: scf.for
// SPECIALIZE-NOT: nvvm.cp.async.bulk.tensor
// SPECIALIZE: nvvm.mbarrier.try_wait.parity
// SPECIALIZE-NOT: nvvm.cp.async.bulk.tensor
// SPECIALIZE: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// SPECIALIZE-NOT: nvvm.cp.async.bulk.tensor
// SPECIALIZE: nvvm.setmaxregister decrease 24
// SPECIALIZE-NEXT: %[[PRODUCER:.*]] = arith.cmpi eq, %[[TID]], %c256
// SPECIALIZE-NEXT: scf.if %[[PRODUCER]] {
// SPECIALIZE: scf.for %[[K:.*]] = %c0 to %{{.*}} step %c1 {
// SPECIALIZE-NEXT: %[[K32:.*]] = arith.index_castui %[[K]] : index to i32
// SPECIALIZE-NEXT: %[[INTO:.*]] = arith.remui %[[K32]], %c3_i32
// SPECIALIZE-NEXT: arith.index_castui %[[INTO]] : i32 to index
// SPECIALIZE-NEXT: %[[REUSED:.*]] = arith.cmpi uge, %[[K]], %c3
// SPECIALIZE-NEXT: scf.if %[[REUSED]] {
// SPECIALIZE-NEXT: %[[USE:.*]] = arith.addi %[[K]], %c-3
// SPECIALIZE: nvvm.mbarrier.try_wait.parity
// SPECIALIZE: nvvm.mbarrier.arrive.expect_tx
// SPECIALIZE-COUNT-4: nvvm.cp.async.bulk.tensor.shared.cluster.global
// SPECIALIZE-LABEL: gpu.func @ragged
// SPECIALIZE-SAME: attune.threads = 256
// SPECIALIZE-NOT: setmaxregister
// SPECIALIZE: gpu.return

// One consumer warpgroup: 256 threads start with 255 registers (more than
// 240): no role changes its share.
// SPECIALIZE-ONE-LABEL: gpu.func @causal
// SPECIALIZE-ONE-SAME: attune.threads = 256
// SPECIALIZE-ONE-NOT: setmaxregister
// SPECIALIZE-ONE: nvvm.barrier id = %c1_i32 number_of_threads = %c128_i32
// SPECIALIZE-ONE-NOT: setmaxregister
// SPECIALIZE-ONE: %{{.*}} = arith.cmpi eq, %{{.*}}, %c128 : index
// SPECIALIZE-ONE-NOT: setmaxregister
// SPECIALIZE-ONE: nvvm.cp.async.bulk.tensor.shared.cluster.global
// SPECIALIZE-ONE-NOT: setmaxregister
// SPECIALIZE-ONE: gpu.func @causal_merge

// BAD-SPECIALIZE: error: convert-attn-to-gpu: warp-specialize=true needs tma=true (the producer warpgroup issues TMA loads)

// The ping-pong (two warpgroups, the overlap): warpgroup w = tid / 128
// waits for its turn at named barrier 2 + w (256 threads: its own waiting,
// the other's arriving) before issuing a step's products, and passes the
// turn to barrier 2 + (w + 1) % 2 once S_j and the pending P V are issued
// (before waiting for them). Warpgroup 1 passes the first turn to
// warpgroup 0 before the loop.
// PING-PONG-LABEL: gpu.func @causal
// PING-PONG: %[[WG:.*]] = arith.divui %thread_id_x, %c128 : index
// PING-PONG-NEXT: %[[WG32:.*]] = arith.index_cast %[[WG]] : index to i32
// PING-PONG-NEXT: %[[OWN:.*]] = arith.addi %[[WG32]], %c2_i32 : i32
// PING-PONG-NEXT: %[[PLUS1:.*]] = arith.addi %[[WG32]], %c1_i32 : i32
// PING-PONG-NEXT: %[[MOD:.*]] = arith.remui %[[PLUS1]], %c2_i32 : i32
// PING-PONG-NEXT: %[[NEXT:.*]] = arith.addi %[[MOD]], %c2_i32 : i32
// PING-PONG-NEXT: %[[LAST:.*]] = arith.cmpi eq, %[[WG32]], %c1_i32 : i32
// PING-PONG-NEXT: scf.if %[[LAST]] {
// PING-PONG-NEXT: nvvm.barrier.arrive id = %c2_i32 number_of_threads = %c256_i32
// PING-PONG: scf.for
// PING-PONG: nvvm.mbarrier.try_wait.parity
// PING-PONG: nvvm.barrier id = %[[OWN]] number_of_threads = %c256_i32
// PING-PONG-NOT: nvvm.barrier
// PING-PONG: nvvm.wgmma.fence.aligned
// PING-PONG-NOT: nvvm.barrier
// PING-PONG: nvvm.wgmma.commit.group.sync.aligned
// PING-PONG-NOT: nvvm.barrier
// PING-PONG: nvvm.wgmma.commit.group.sync.aligned
// PING-PONG-NEXT: vector.from_elements
// PING-PONG-NEXT: nvvm.barrier.arrive id = %[[NEXT]] number_of_threads = %c256_i32
// PING-PONG-NEXT: nvvm.wgmma.wait.group.sync.aligned 1

// BAD-PING-PONG: error: convert-attn-to-gpu: ping-pong=true needs overlap=true (the warpgroups take turns issuing a step's two products)
