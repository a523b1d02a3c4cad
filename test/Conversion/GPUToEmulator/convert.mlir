// RUN: attune-opt %s --attune-convert-gpu-to-emulator --split-input-file | FileCheck %s

// Every operation a thread shares with its warp, block or launch becomes a
// call into the emulator's runtime; the kernel becomes a private body and a
// packed entry point under the kernel's name; host functions go.

// CHECK-NOT: func.func private @host
// CHECK-DAG: llvm.func @__attune_emu_id(i32) -> i64
// CHECK-DAG: llvm.func @__attune_emu_mma(i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, !llvm.ptr)
// CHECK-LABEL: llvm.func internal @k__body(
// Thread id x is 0, block id y is 3 + 1.
// CHECK: %[[TX:.*]] = llvm.mlir.constant(0 : i32)
// CHECK: llvm.call @__attune_emu_id(%[[TX]])
// CHECK: %[[BY:.*]] = llvm.mlir.constant(4 : i32)
// CHECK: llvm.call @__attune_emu_id(%[[BY]])
// Dynamic shared memory: the block's buffer and its size (id 12).
// CHECK: llvm.call @__attune_emu_shared()
// CHECK: %[[SB:.*]] = llvm.mlir.constant(12 : i32)
// CHECK: llvm.call @__attune_emu_id(%[[SB]])
// cp.async of 8 halves (16 bytes), 0 source bytes past the end; its group,
// the wait for all groups, the block barrier.
// CHECK: %[[BYTES:.*]] = llvm.mlir.constant(16 : i32)
// CHECK: %[[SRCB:.*]] = llvm.mul %{{.*}}, %{{.*}} : i32
// CHECK: llvm.call @__attune_emu_cp_async(%{{.*}}, %{{.*}}, %[[BYTES]], %[[SRCB]])
// CHECK: llvm.call @__attune_emu_commit()
// CHECK: llvm.call @__attune_emu_wait(%{{.*}})
// CHECK: llvm.call @__attune_emu_barrier()
// ldmatrix.x4.trans into stack scratch released after the call.
// CHECK: %[[SAVED:.*]] = llvm.intr.stacksave
// CHECK: %[[OUT:.*]] = llvm.alloca %{{.*}} x i32
// CHECK: %[[FOUR:.*]] = llvm.mlir.constant(4 : i32)
// CHECK: %[[TRANS:.*]] = llvm.mlir.constant(1 : i32)
// CHECK: llvm.call @__attune_emu_ldmatrix(%{{.*}}, %[[FOUR]], %[[TRANS]], %[[OUT]])
// CHECK: llvm.load %[[OUT]] : !llvm.ptr -> !llvm.array<4 x vector<2xf16>>
// CHECK: llvm.intr.stackrestore %[[SAVED]]
// mma.sync f16 (kind 0): registers as i32 bits, D through scratch.
// CHECK: %[[F16:.*]] = llvm.mlir.constant(0 : i32)
// CHECK: llvm.bitcast %{{.*}} : vector<2xf16> to i32
// CHECK: llvm.call @__attune_emu_mma(%[[F16]],
// CHECK: llvm.insertvalue
// A shuffle (xor is mode 0): value in the low word, valid in bit 32.
// CHECK: llvm.call @__attune_emu_shuffle(
// CHECK: llvm.trunc %{{.*}} : i64 to i32
// CHECK: llvm.bitcast %{{.*}} : i32 to f32
// ex2.approx is exp2 here, div.full a division, rcp.approx 1 / x, each
// moved to its error bound (error-bound-run.mlir runs them): the .ftz forms
// flush a subnormal input first; the step, +-2 ulp (1 for rcp), is chosen
// by the top bit of the inputs' bits times an odd constant and added to the
// result's bits where it stays normal and the input is not zero.
// CHECK: %[[SUBIN:.*]] = llvm.icmp "ult"
// CHECK: %[[S:.*]] = llvm.select %[[SUBIN]]
// CHECK: %[[EXP:.*]] = llvm.intr.exp2(%[[S]]) : (f32) -> f32
// CHECK: %[[SBITS:.*]] = llvm.bitcast %[[S]] : f32 to i32
// CHECK: %[[ODD:.*]] = llvm.mlir.constant(-1640531535 : i32)
// CHECK: %[[HASH:.*]] = llvm.mul %[[SBITS]], %[[ODD]] : i32
// CHECK: %[[UP:.*]] = llvm.icmp "slt" %[[HASH]]
// CHECK: %[[EBITS:.*]] = llvm.bitcast %[[EXP]] : f32 to i32
// CHECK: llvm.mlir.constant(8388610 : i32)
// CHECK: llvm.mlir.constant(2139095037 : i32)
// CHECK: %[[INSIDE:.*]] = llvm.and
// CHECK: %[[PLUS:.*]] = llvm.mlir.constant(2 : i32)
// CHECK: %[[MINUS:.*]] = llvm.mlir.constant(-2 : i32)
// CHECK: %[[STEP:.*]] = llvm.select %[[UP]], %[[PLUS]], %[[MINUS]]
// CHECK: %[[MOVED:.*]] = llvm.add %[[EBITS]], %[[STEP]] : i32
// CHECK: %[[MOVEDF:.*]] = llvm.bitcast %[[MOVED]] : i32 to f32
// CHECK: %[[NONZERO:.*]] = llvm.icmp "ne"
// CHECK: %[[APPLY:.*]] = llvm.and %[[INSIDE]], %[[NONZERO]]
// CHECK: %[[E:.*]] = llvm.select %[[APPLY]], %[[MOVEDF]], %[[EXP]]
// The result flushed too (ftz); div.full (no ftz) flushes nothing, then
// rcp.approx.ftz flushes its input, the quotient.
// CHECK: %[[SUBOUT:.*]] = llvm.icmp "ult"
// CHECK: %[[EF:.*]] = llvm.select %[[SUBOUT]], %{{.*}}, %[[E]]
// CHECK: %[[Q:.*]] = llvm.fdiv %[[EF]], %[[DEN:.*]] : f32
// CHECK: %[[NUMBITS:.*]] = llvm.bitcast %[[EF]] : f32 to i32
// CHECK: %[[DENBITS:.*]] = llvm.bitcast %[[DEN]] : f32 to i32
// CHECK: llvm.xor %[[NUMBITS]], %[[DENBITS]] : i32
// CHECK: %[[QSEL:.*]] = llvm.select %{{.*}}, %{{.*}}, %[[Q]] : i1, f32
// CHECK-NOT: llvm.fdiv
// CHECK: %[[QIN:.*]] = llvm.select %{{.*}}, %{{.*}}, %[[QSEL]] : i1, f32
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32)
// CHECK: llvm.fdiv %[[ONE]], %[[QIN]] : f32
// CHECK: %[[UP1:.*]] = llvm.icmp "slt"
// CHECK: %[[P1:.*]] = llvm.mlir.constant(1 : i32)
// CHECK: %[[M1:.*]] = llvm.mlir.constant(-1 : i32)
// CHECK: llvm.select %[[UP1]], %[[P1]], %[[M1]] : i1, i32
// CHECK-NOT: llvm.nvvm
// CHECK: llvm.func @k(%[[P:.*]]: !llvm.ptr)
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %[[P]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[ADDR:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.load %[[ADDR]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @k__body(

func.func private @host(memref<?xf16>, memref<?xf32>) attributes {attune.gpu_kernel = @kernels::@k}

gpu.module @kernels {
  gpu.func @k(%src: memref<?xf16>, %dst: memref<?xf32>, %n: index) kernel {
    %c0 = arith.constant 0 : index
    %tx = gpu.thread_id x
    %by = gpu.block_id y
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x16xf16, #gpu.address_space<workgroup>>
    %row = arith.addi %tx, %by : index
    %valid = arith.cmpi ult, %row, %n : index
    %c8 = arith.constant 8 : index
    %elements = arith.select %valid, %c8, %c0 : index
    %t = nvgpu.device_async_copy %src[%row], %tile[%row, %c0], 8, %elements {bypassL1} : memref<?xf16> to memref<16x16xf16, #gpu.address_space<workgroup>>
    %g = nvgpu.device_async_create_group %t
    nvgpu.device_async_wait %g {numGroups = 0 : i32}
    gpu.barrier
    %frag = nvgpu.ldmatrix %tile[%row, %c0] {numTiles = 4 : i32, transpose = true} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
    %a0 = vector.extract %frag[0] : vector<2xf16> from vector<4x2xf16>
    %a1 = vector.extract %frag[1] : vector<2xf16> from vector<4x2xf16>
    %a2 = vector.extract %frag[2] : vector<2xf16> from vector<4x2xf16>
    %a3 = vector.extract %frag[3] : vector<2xf16> from vector<4x2xf16>
    %zero = arith.constant 0.0 : f32
    %d = nvvm.mma.sync A[%a0, %a1, %a2, %a3] B[%a0, %a1] C[%zero, %zero, %zero, %zero] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    %c1_i32 = arith.constant 1 : i32
    %c32_i32 = arith.constant 32 : i32
    %s, %ok = gpu.shuffle xor %d0, %c1_i32, %c32_i32 : f32
    %e = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%s) : (f32) -> f32
    %q = llvm.call_intrinsic "llvm.nvvm.div.full"(%e, %d0) : (f32, f32) -> f32
    %r = llvm.call_intrinsic "llvm.nvvm.rcp.approx.ftz.f"(%q) : (f32) -> f32
    memref.store %r, %dst[%row] : memref<?xf32>
    gpu.return
  }
}

// -----

// bf16 fragments are i32 registers already; mma kind 1.
// CHECK-LABEL: llvm.func internal @bf16__body(
// CHECK: %[[BF16:.*]] = llvm.mlir.constant(1 : i32)
// CHECK: llvm.call @__attune_emu_mma(%[[BF16]], %arg
gpu.module @kernels {
  gpu.func @bf16(%a: i32, %out: memref<?xf32>) kernel {
    %zero = arith.constant 0.0 : f32
    %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%a, %a] C[%zero, %zero, %zero, %zero] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    %c0 = arith.constant 0 : index
    memref.store %d0, %out[%c0] : memref<?xf32>
    gpu.return
  }
}

// -----

// wgmma (sm_90a): the accumulators through a stack array the runtime reads
// (scale-d one) and writes; N = 16, bf16 (kind 1), B N-major (1); the
// fences, commit and wait as calls.
// CHECK-DAG: llvm.func @__attune_emu_wgmma(!llvm.ptr, i64, i64, i32, i32, i32, i32)
// CHECK-LABEL: llvm.func internal @wgmma__body(
// CHECK: llvm.call @__attune_emu_wgmma_fence()
// CHECK: %[[ACC:.*]] = llvm.alloca %{{.*}} x f32
// CHECK-COUNT-8: llvm.store
// CHECK: llvm.call @__attune_emu_wgmma(%[[ACC]], %arg0, %arg1,
// CHECK-COUNT-8: llvm.load
// CHECK: llvm.call @__attune_emu_wgmma_commit()
// CHECK: llvm.call @__attune_emu_wgmma_wait(
// CHECK: llvm.call @__attune_emu_proxy_fence()
gpu.module @kernels {
  gpu.func @wgmma(%da: i64, %db: i64, %out: memref<?xf32>) kernel {
    %zero = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    nvvm.wgmma.fence.aligned
    %d = nvvm.wgmma.mma_async %da, %db, %zero, <m = 64, n = 16, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    nvvm.wgmma.commit.group.sync.aligned
    nvvm.wgmma.wait.group.sync.aligned 0
    nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
    gpu.return
  }
}

// -----

// wgmma with A in registers (WgmmaRegisterA's inline PTX; N = 16, bf16, B
// K-major): the accumulators and A's four registers through stack arrays,
// scale-d passed on as the runtime's accumulate flag.
// CHECK-DAG: llvm.func @__attune_emu_wgmma_register_a(!llvm.ptr, !llvm.ptr, i64, i32, i32, i32, i32)
// CHECK-LABEL: llvm.func internal @wgmma_register_a__body(
// CHECK: %[[ACC:.*]] = llvm.alloca %{{.*}} x f32
// CHECK-COUNT-8: llvm.store %{{.*}} : f32
// CHECK: %[[A:.*]] = llvm.alloca %{{.*}} x i32
// CHECK-COUNT-4: llvm.store %{{.*}} : i32
// CHECK: llvm.call @__attune_emu_wgmma_register_a(%[[ACC]], %[[A]], %arg4, %{{.*}}, %{{.*}}, %arg5, %{{.*}})
// CHECK-COUNT-8: llvm.load
// CHECK-NOT: llvm.inline_asm
gpu.module @kernels {
  gpu.func @wgmma_register_a(%a0: i32, %a1: i32, %a2: i32, %a3: i32, %db: i64, %scale: i32, %x: f32) kernel {
    nvvm.wgmma.fence.aligned
    %d = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, $13, 0;\0Awgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {$0, $1, $2, $3, $4, $5, $6, $7}, {$8, $9, $10, $11}, $12, p, 1, 1, 0;\0A}", "=f,=f,=f,=f,=f,=f,=f,=f,r,r,r,r,l,r,0,1,2,3,4,5,6,7" %a0, %a1, %a2, %a3, %db, %scale, %x, %x, %x, %x, %x, %x, %x, %x : (i32, i32, i32, i32, i64, i32, f32, f32, f32, f32, f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    nvvm.wgmma.commit.group.sync.aligned
    nvvm.wgmma.wait.group.sync.aligned 0
    gpu.return
  }
}

// -----

// A named barrier over part of the block; a store into shared memory is
// followed by the runtime's shared-store hook, one into global memory not.
// CHECK-LABEL: llvm.func internal @named__body(
// CHECK: llvm.call @__attune_emu_named_barrier(%{{.*}}, %{{.*}}) : (i32, i32) -> ()
// CHECK: llvm.store
// CHECK-NEXT: llvm.call @__attune_emu_shared_store()
// CHECK: llvm.store
// CHECK-NOT: llvm.call @__attune_emu_shared_store()
// CHECK: llvm.return
gpu.module @kernels {
  gpu.func @named(%out: memref<?xf32>) kernel {
    %id = arith.constant 1 : i32
    %count = arith.constant 128 : i32
    nvvm.barrier id = %id number_of_threads = %count
    %c0 = arith.constant 0 : index
    %x = arith.constant 1.0 : f32
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %words = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %x, %words[%c0] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %x, %out[%c0] : memref<?xf32>
    gpu.return
  }
}

// -----

// The TMA: mbarrier init, arrive.expect_tx and try_wait.parity become calls
// on the barrier's host address (shared pointers cast through integers),
// fence.mbarrier.init goes, and a 3-d tile load passes its tensor map,
// destination, barrier, rank and coordinates (unused ones 0). A kernel with
// tensor maps (attune.tensor_map_rows) hands the packed entry's first two
// parameter addresses on as they are (by value on the GPU) and loads the
// rest.
// CHECK-DAG: llvm.func @__attune_emu_tma_load(!llvm.ptr, !llvm.ptr, !llvm.ptr, i32, i32, i32, i32, i32, i32)
// CHECK-LABEL: llvm.func internal @tma__body(
// CHECK-SAME: %[[MAP:.*]]: !llvm.ptr, %{{.*}}: !llvm.ptr
// CHECK: %[[SHARED:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
// CHECK: %[[INT:.*]] = llvm.ptrtoint %[[SHARED]] : !llvm.ptr<3> to i64
// CHECK-NEXT: %[[BAR:.*]] = llvm.inttoptr %[[INT]] : i64 to !llvm.ptr
// CHECK-NEXT: llvm.call @__attune_emu_mbarrier_init(%[[BAR]], %{{.*}}) : (!llvm.ptr, i32) -> ()
// CHECK-NOT: fence
// CHECK: llvm.call @__attune_emu_mbarrier_expect_tx(%{{.*}}, %{{.*}}) : (!llvm.ptr, i32) -> ()
// CHECK: %[[RANK:.*]] = llvm.mlir.constant(3 : i32)
// CHECK-NEXT: %[[Z3:.*]] = llvm.mlir.constant(0 : i32)
// CHECK-NEXT: %[[Z4:.*]] = llvm.mlir.constant(0 : i32)
// CHECK-NEXT: llvm.call @__attune_emu_tma_load(%[[MAP]], %{{.*}}, %{{.*}}, %[[RANK]], %{{.*}}, %{{.*}}, %{{.*}}, %[[Z3]], %[[Z4]])
// CHECK: llvm.call @__attune_emu_mbarrier_wait(%{{.*}}, %{{.*}}) : (!llvm.ptr, i32) -> ()
// CHECK-LABEL: llvm.func @tma(
// CHECK: %[[P0:.*]] = llvm.getelementptr %{{.*}}[0]
// CHECK-NEXT: %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: %[[P1:.*]] = llvm.getelementptr %{{.*}}[1]
// CHECK-NEXT: %[[A1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: %[[P2:.*]] = llvm.getelementptr %{{.*}}[2]
// CHECK-NEXT: %[[A2:.*]] = llvm.load %[[P2]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: %[[V2:.*]] = llvm.load %[[A2]] : !llvm.ptr -> i32
// CHECK-NEXT: llvm.call @tma__body(%[[A0]], %[[A1]], %[[V2]])
gpu.module @kernels {
  gpu.func @tma(%kmap: !llvm.ptr, %vmap: !llvm.ptr, %c: i32) kernel attributes {attune.tensor_map_rows = 64 : i64} {
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %base = memref.extract_aligned_pointer_as_index %smem : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %address = arith.index_cast %base : index to i64
    %bar = llvm.inttoptr %address : i64 to !llvm.ptr<3>
    %dst = llvm.inttoptr %address : i64 to !llvm.ptr<7>
    %one = arith.constant 1 : i32
    nvvm.mbarrier.init %bar, %one : !llvm.ptr<3>, i32
    nvvm.fence.mbarrier.init
    nvvm.mbarrier.arrive.expect_tx %bar, %c : !llvm.ptr<3>, i32
    nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %kmap, %bar, box[%c, %c, %c] : !llvm.ptr<7>, !llvm.ptr
    nvvm.mbarrier.try_wait.parity %bar, %c, %c : !llvm.ptr<3>, i32, i32
    gpu.return
  }
}
