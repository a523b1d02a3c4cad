// RUN: attune-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(attune-gpu-tensor-map-params))" --verify-diagnostics | FileCheck %s

// A kernel with tensor maps (attune.tensor_map_rows) gets its first two
// parameters by value, 128 bytes aligned to 64, as grid constants; other
// functions keep theirs.

// CHECK-LABEL: llvm.func @kernel
// CHECK-SAME: (%{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %{{.*}}: !llvm.ptr, %{{.*}}: i64)
// CHECK-LABEL: llvm.func @other
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
gpu.module @kernels {
  llvm.func @kernel(%k: !llvm.ptr {llvm.align = 64 : i64}, %v: !llvm.ptr {llvm.align = 64 : i64}, %q: !llvm.ptr, %n: i64) attributes {attune.tensor_map_rows = 64 : i64, gpu.kernel, nvvm.kernel} {
    llvm.return
  }
  llvm.func @other(%a: !llvm.ptr, %b: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    llvm.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{attune-gpu-tensor-map-params: a kernel with tensor maps must take them as its first two !llvm.ptr parameters}}
  llvm.func @kernel(%k: i64, %v: !llvm.ptr) attributes {attune.tensor_map_rows = 64 : i64, gpu.kernel, nvvm.kernel} {
    llvm.return
  }
}
