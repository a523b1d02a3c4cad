// RUN: attune-opt %s --attune-parallel-chunks --split-input-file | FileCheck %s
// RUN: attune-opt %s --attune-parallel-chunks=rows=16 --split-input-file | FileCheck %s --check-prefix=SIXTEEN

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2) -> (d0, d1, 0)>

// An RMSNorm-like row reduction over [1, L, 64] (L dynamic): chunks of 64
// positions (the first parallel dim of more than one chunk; the batch dim of
// 1 is not), the reduction kept whole in each chunk.
// CHECK-LABEL: func.func @row_reduction
// CHECK:         scf.forall (%[[I:.*]]) = (0) to (%{{.*}}) step (64) shared_outs
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%{{.*}} : tensor<1x?x64xf32>)
// CHECK:           tensor.parallel_insert_slice
func.func @row_reduction(%x: tensor<1x?x64xf32>, %init: tensor<1x?x1xf32>) -> tensor<1x?x1xf32> {
  %r = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<1x?x64xf32>) outs(%init : tensor<1x?x1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<1x?x1xf32>
  return %r : tensor<1x?x1xf32>
}

// -----

// A static matmul of 512 rows: 8 chunks (16 rows with rows=16); one of 64
// rows is a single chunk and stays whole; the attention-like op nested in a
// loop is left to its loop.
// CHECK-LABEL: func.func @matmuls
// CHECK:         scf.forall (%{{.*}}) = (0) to (512) step (64)
// CHECK:           linalg.matmul {{.*}} -> tensor<64x32xf32>
// CHECK-NOT:     scf.forall (
// CHECK:         linalg.matmul {{.*}} -> tensor<64x32xf32>
// CHECK:         scf.for
// CHECK:           linalg.matmul {{.*}} -> tensor<512x32xf32>
// SIXTEEN-LABEL: func.func @matmuls
// SIXTEEN:       scf.forall (%{{.*}}) = (0) to (512) step (16)
// SIXTEEN:       scf.forall (%{{.*}}) = (0) to (64) step (16)
func.func @matmuls(%x: tensor<512x64xf32>, %y: tensor<64x64xf32>, %w: tensor<64x32xf32>, %a: tensor<512x32xf32>, %b: tensor<64x32xf32>, %n: index) -> (tensor<512x32xf32>, tensor<64x32xf32>, tensor<512x32xf32>) {
  %r = linalg.matmul ins(%x, %w : tensor<512x64xf32>, tensor<64x32xf32>) outs(%a : tensor<512x32xf32>) -> tensor<512x32xf32>
  %s = linalg.matmul ins(%y, %w : tensor<64x64xf32>, tensor<64x32xf32>) outs(%b : tensor<64x32xf32>) -> tensor<64x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<512x32xf32>) {
    %u = linalg.matmul ins(%x, %w : tensor<512x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<512x32xf32>) -> tensor<512x32xf32>
    scf.yield %u : tensor<512x32xf32>
  }
  return %r, %s, %t : tensor<512x32xf32>, tensor<64x32xf32>, tensor<512x32xf32>
}
