// RUN: attune-opt %s --convert-attn-to-gpu | FileCheck %s
// RUN: attune-opt %s --canonicalize --convert-attn-to-gpu | FileCheck %s

// A region capturing a constant from the function, as --canonicalize leaves
// it (it hoists a region's constants out of it): the kernel clones the
// constant in (the host function's body is gone once the kernel is built).
// CHECK-LABEL: gpu.module @attune_kernels
// CHECK: gpu.func @captured
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK: gpu.return
func.func @captured(%q: tensor<1x2x?x64xf16>, %k: tensor<1x2x?x64xf16>, %v: tensor<1x2x?x64xf16>, %o: memref<1x2x?x64xf16>) {
  %quarter = arith.constant 0.25 : f32
  %out = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %r = arith.mulf %s, %quarter : f32
    attn.yield %r : f32
  } : (tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>) -> tensor<1x2x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x?x64xf16>, memref<1x2x?x64xf16>) -> ()
  return
}
