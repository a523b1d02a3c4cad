// RUN: attune-opt %s --convert-attn-to-gpu="mma=wgmma" --canonicalize --cse | FileCheck %s
// RUN: attune-opt %s --convert-attn-to-gpu="mma=wgmma kv-tile=128" --canonicalize --cse | FileCheck %s --check-prefix=K128
// RUN: not attune-opt %s --convert-attn-to-gpu="mma=wgmma chip=sm_90" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attune-opt %s --convert-attn-to-gpu="mma=wgmma warps=2 kv-tile=64" 2>&1 | FileCheck %s --check-prefix=WARPS
// RUN: not attune-opt %s --convert-attn-to-gpu="mma=wmma" 2>&1 | FileCheck %s --check-prefix=KIND

// The sm_90a kernel: f16, GQA 4:1 packed, D = 128, causal. One warpgroup
// (4 warps, 64 rows) multiplies with wgmma.mma_async m64nNk16. S = Q K^T
// reads both operands from shared memory through descriptors, in 8x8 core
// matrices without padding: Q [D/8][64/8][8][8], two K and V tiles
// [2][D/8][64/8][8][8]. P V takes P, its A operand, from registers (inline
// PTX: the NVVM op has descriptors only). Shared memory:
// (64 * 128 + 2 * 64 * 128 * 2) * 2 = 81920 bytes.

// CHECK: gpu.func @causal
// CHECK-SAME: attune.shared_bytes = 81920
// CHECK-SAME: attune.threads = 128
// Descriptor strides: Q, K (K-major, 64 rows): core matrices 1024 bytes
// apart along K, 128 along M / N: (1024 / 16) << 16 in the low word (with
// the start address / 16), (128 / 16) << 32 the high word. V (N-major, its
// 64 keys as K): 128 along K, 1024 along N. The low word is 32-bit, the
// high word a constant; a k-step adds its offset / 16 to the start.
// CHECK-DAG: %[[KLEAD:.*]] = arith.constant 4194304 : i32
// CHECK-DAG: %[[KSTRIDE:.*]] = arith.constant 34359738368 : i64
// CHECK-DAG: %[[VLEAD:.*]] = arith.constant 524288 : i32
// CHECK-DAG: %[[VSTRIDE:.*]] = arith.constant 274877906944 : i64
// CHECK-DAG: %[[WINDOW:.*]] = arith.constant 262143 : i32
// CHECK: %[[SHARED:.*]] = gpu.dynamic_shared_memory
// CHECK-DAG: memref.view %[[SHARED]][{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x8x8x8xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[SHARED]][{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x16x8x8x8xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.extract_aligned_pointer_as_index %[[SHARED]]
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// The warpgroup's index (Q's rows) read from lane 0, which ptxas sees
// uniform across the warp.
// CHECK: %[[WG:.*]], %{{.*}} = gpu.shuffle  idx %{{.*}}, %c0_i32, %c32_i32 : i32
// The first tile is copied, fenced for the async proxy, then shared.
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: scf.for
// S = Q K^T: 8 k-steps of 16, the first without the accumulator.
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: arith.andi %{{.*}}, %[[WINDOW]] : i32
// CHECK: %[[QLOW:.*]] = arith.ori %{{.*}}, %[[KLEAD]] : i32
// CHECK: %[[QWIDE:.*]] = arith.extui %[[QLOW]] : i32 to i64
// CHECK: arith.ori %[[QWIDE]], %[[KSTRIDE]] : i64
// CHECK: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK-COUNT-7: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// O += P V: P packed to 16-bit pairs (16 registers: 4 per k-step), no
// shared memory and no barrier, then 4 k-steps with A from those registers
// and V transposed (N-major), scale-d 1 (accumulate).
// CHECK-COUNT-16: llvm.bitcast %{{.*}} : vector<2xf16> to i32
// CHECK-NOT: nvvm.barrier
// CHECK-NOT: memref.store
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: %[[VSTART:.*]] = arith.shrui %{{.*}}, %c4_i32 : i32
// CHECK-NEXT: %[[VLOW:.*]] = arith.ori %[[VSTART]], %[[VLEAD]] : i32
// CHECK: %[[VD:.*]] = arith.ori %{{.*}}, %[[VSTRIDE]] : i64
// CHECK-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, $69, 0;\0Awgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {$0, $1, {{.*}}, $63}, {$64, $65, $66, $67}, $68, p, 1, 1, 1;\0A}", "{{(=f,)+}}r,r,r,r,l,r,0,1,{{.*}},63" %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[VD]], %c1_i32, {{.*}} -> !llvm.struct<(f32,
// The next k-step's V: 256 bytes (two rows of core matrices) further.
// CHECK: arith.addi %[[VLOW]], %c16_i32 : i32
// CHECK-COUNT-3: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// The next tile: landed, fenced, shared.
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier

// 128-key tiles: Q (64 rows) and K (128 rows) now differ, 1024 and 2048
// bytes between core matrices along K: (1024 / 16) << 16 and (2048 / 16)
// << 16, both 8 << 32 in the high word; V N-major with 128 keys: 8 << 16,
// (2048 / 16) << 32.
// K128-DAG: %[[VSTRIDE:.*]] = arith.constant 549755813888 : i64
// K128-DAG: %[[KSTRIDE:.*]] = arith.constant 34359738368 : i64
// K128-DAG: %[[QLEAD:.*]] = arith.constant 4194304 : i32
// K128-DAG: %[[KLEAD:.*]] = arith.constant 8388608 : i32
// K128: %[[QLOW:.*]] = arith.ori %{{.*}}, %[[QLEAD]] : i32
// K128: %[[QWIDE:.*]] = arith.extui %[[QLOW]]
// K128: %[[QD:.*]] = arith.ori %[[QWIDE]], %[[KSTRIDE]] : i64
// K128: %[[KLOW:.*]] = arith.ori %{{.*}}, %[[KLEAD]] : i32
// K128: %[[KWIDE:.*]] = arith.extui %[[KLOW]]
// K128: %[[KD:.*]] = arith.ori %[[KWIDE]], %[[KSTRIDE]] : i64
// K128: nvvm.wgmma.mma_async %[[QD]], %[[KD]], %{{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <zero>]
// K128: nvvm.wgmma.commit.group.sync.aligned
// K128: %[[VD:.*]] = arith.ori %{{.*}}, %[[VSTRIDE]] : i64
// K128-NEXT: llvm.inline_asm {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {{.*}} %[[VD]], %c1_i32,

// CHIP: error: convert-attn-to-gpu: mma=wgmma needs chip sm_90a, not 'sm_90' (wgmma exists only there)
// WARPS: error: 'attn.attention' op is not supported by the GPU path: wgmma needs warps in whole warpgroups (a multiple of 4) and kv-tile at most 256
// KIND: error: convert-attn-to-gpu: unknown mma 'wmma' (sync or wgmma)

func.func @causal(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %o: memref<?x8x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>) -> tensor<?x8x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  return
}
