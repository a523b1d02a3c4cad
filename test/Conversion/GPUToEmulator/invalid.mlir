// RUN: attune-opt %s --attune-convert-gpu-to-emulator --split-input-file --verify-diagnostics

gpu.module @kernels {
  gpu.func @k(%x: f32, %out: memref<?xf32>) kernel {
    // expected-error @below {{no emulation of llvm.nvvm.sqrt.approx.f}}
    %r = llvm.call_intrinsic "llvm.nvvm.sqrt.approx.f"(%x) : (f32) -> f32
    %c0 = arith.constant 0 : index
    memref.store %r, %out[%c0] : memref<?xf32>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{workgroup and private attributions are not supported (dynamic shared memory is)}}
  gpu.func @k(%out: memref<?xf32>) workgroup(%tile: memref<32xf32, #gpu.address_space<workgroup>>) kernel {
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%a: vector<2xf16>, %out: memref<?xf16>) kernel {
    %c = arith.constant dense<0.0> : vector<2xf16>
    // expected-error @below {{is not emulated: the emulator runs mma.sync m16n8k16 with f16 or bf16 operands}}
    %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%a, %a] C[%c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, vector<2xf16>) -> !llvm.struct<(vector<2xf16>, vector<2xf16>)>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%x: f64, %out: memref<?xf64>) kernel {
    %c1 = arith.constant 1 : i32
    %c32 = arith.constant 32 : i32
    // expected-error @below {{is not emulated: the emulator shuffles 32-bit values (f32, i32), not 'f64'}}
    %s, %ok = gpu.shuffle xor %x, %c1, %c32 : f64
    %c0 = arith.constant 0 : index
    memref.store %s, %out[%c0] : memref<?xf64>
    gpu.return
  }
}

// -----

// Inline assembly other than WgmmaRegisterA's exact text (here B negated).
gpu.module @kernels {
  gpu.func @k(%a0: i32, %db: i64, %x: f32) kernel {
    // expected-error @below {{is not emulated: the emulator runs no inline assembly but the wgmma with A in registers that the GPU kernels emit (WgmmaRegisterA)}}
    %d = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, $13, 0;\0Awgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {$0, $1, $2, $3, $4, $5, $6, $7}, {$8, $9, $10, $11}, $12, p, 1, -1, 0;\0A}", "=f,=f,=f,=f,=f,=f,=f,=f,r,r,r,r,l,r,0,1,2,3,4,5,6,7" %a0, %a0, %a0, %a0, %db, %a0, %x, %x, %x, %x, %x, %x, %x, %x : (i32, i32, i32, i32, i64, i32, f32, f32, f32, f32, f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%x: i32) kernel {
    // expected-error @below {{is not emulated: the emulator runs no inline assembly}}
    %y = llvm.inline_asm "mov.b32 $0, $1;", "=r,r" %x : (i32) -> i32
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%da: i64, %db: i64) kernel {
    %zero = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    // expected-error @below {{is not emulated: the emulator runs wgmma.mma_async m64nNk16 with f16 or bf16 operands from shared memory (A K-major, B K- or N-major, no negation)}}
    %d = nvvm.wgmma.mma_async %da, %db, %zero, <m = 64, n = 16, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <col>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k() kernel {
    // expected-error @below {{is not emulated: the emulator orders the async proxy's shared-memory reads (fence.proxy.async.shared::cta) only}}
    nvvm.fence.proxy {kind = #nvvm.proxy_kind<alias>}
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%map: !llvm.ptr, %dst: !llvm.ptr<7>, %bar: !llvm.ptr<3>, %c: i32, %mask: i16) kernel {
    // expected-error @below {{is not emulated: the emulator runs cp.async.bulk.tensor loads in tile mode of up to 5 dimensions, without multicast, cache hints, CTA groups or predicates}}
    nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %map, %bar, box[%c, %c] multicast_mask = %mask : !llvm.ptr<7>, !llvm.ptr
    gpu.return
  }
}
