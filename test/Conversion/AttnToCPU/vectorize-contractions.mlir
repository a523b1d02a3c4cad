// RUN: attune-opt %s --attune-vectorize-contractions --canonicalize --split-input-file | FileCheck %s
// RUN: attune-opt %s --attune-vectorize-contractions="rows=4 cols=8" --canonicalize --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: attune-opt %s --attune-parallel-chunks --attune-vectorize-contractions --canonicalize --split-input-file | FileCheck %s --check-prefix=CHUNK

// C[16, 32] = X[16, 64] W[64, 32] in 8 x 16 register blocks, one k at a
// time: C_blk += X[blk, k] (x) W[k, blk] as vectors, the block read before
// the reduction loop, carried through it as a vector, written after it.
// CHECK-LABEL: func.func @projection
// CHECK:         scf.for %[[I:.+]] = %c0 to %c16 step %c8
// CHECK:           scf.for %[[J:.+]] = %c0 to %c32 step %c16
// CHECK:             %[[C:.+]] = vector.transfer_read {{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// CHECK:             %[[SUM:.+]] = scf.for %[[K:.+]] = %c0 to %c64 step %c1 iter_args(%[[ACC:.+]] = %[[C]]) -> (vector<8x16xf32>)
// CHECK:               vector.transfer_read {{.*}} : tensor<8x1xf32>, vector<8x1xf32>
// CHECK:               vector.transfer_read {{.*}} : tensor<1x16xf32>, vector<1x16xf32>
// CHECK:               arith.mulf {{.*}} : vector<8x16x1xf32>
// CHECK:               arith.addf %[[ACC]], {{.*}} : vector<8x16xf32>
// CHECK:             vector.transfer_write %[[SUM]], {{.*}} : vector<8x16xf32>, tensor<8x16xf32>
// CHECK-NOT:     linalg.matmul
// SMALL-LABEL: func.func @projection
// SMALL:         arith.addf {{.*}} : vector<4x8xf32>
func.func @projection(%x: tensor<16x64xf32>, %w: tensor<64x32xf32>) -> tensor<16x32xf32> {
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %z = linalg.fill ins(%c : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x32xf32>) outs(%z : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// Batched products stay loops (3-D transfers would go through the stack).
// CHECK-LABEL: func.func @batched
// CHECK:         linalg.batch_matmul
// CHECK-NOT:     vector.
func.func @batched(%x: tensor<4x16x8xf32>, %w: tensor<4x8x16xf32>, %acc: tensor<4x16x16xf32>) -> tensor<4x16x16xf32> {
  %r = linalg.batch_matmul ins(%x, %w : tensor<4x16x8xf32>, tensor<4x8x16xf32>) outs(%acc : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  return %r : tensor<4x16x16xf32>
}

// -----

// A dynamic row count (a sequence length): full 8-row blocks vectorized,
// the last partial block (peeled) a loop nest of the rest of the pipeline.
// After attune-parallel-chunks, chunks of 64 rows spread across threads
// (scf.forall), each tiled, peeled and vectorized the same.
// CHUNK-LABEL: func.func @dynamic_rows
// CHUNK:         scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (64)
// CHUNK:           scf.for
// CHUNK:             arith.addf {{.*}} : vector<8x16xf32>
// CHUNK:           tensor.parallel_insert_slice
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         %[[FULL:.+]] = affine.apply
// CHECK:         scf.for %{{.+}} = %c0 to %[[FULL]] step %c8
// CHECK:           arith.addf {{.*}} : vector<8x16xf32>
// CHECK:         scf.for %{{.+}} = %[[FULL]] to %{{.+}} step %c8
// CHECK:           linalg.matmul {{.*}} tensor<?x1xf32>, tensor<1x16xf32>
func.func @dynamic_rows(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %acc: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// -----

// Dynamic columns or reduction are left to the loops of the rest of the
// pipeline.
// CHECK-LABEL: func.func @dynamic_columns
// CHECK:         linalg.matmul
// CHECK-NOT:     vector.
func.func @dynamic_columns(%x: tensor<16x?xf32>, %w: tensor<?x?xf32>, %acc: tensor<16x?xf32>) -> tensor<16x?xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<16x?xf32>, tensor<?x?xf32>) outs(%acc : tensor<16x?xf32>) -> tensor<16x?xf32>
  return %r : tensor<16x?xf32>
}

// -----

// A weight broadcast over a dynamic batch (as exporters write a projection
// for a symbolic batch): one matmul of the batch's stacked rows, which then
// tiles and vectorizes as any.
// CHECK-LABEL: func.func @shared_weight
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x16x64xf32> into tensor<?x64xf32>
// CHECK:         arith.addf {{.*}} : vector<8x16xf32>
// CHECK:         tensor.expand_shape {{.*}} {{\[}}[0, 1], [2]] {{.*}} : tensor<?x32xf32> into tensor<?x16x32xf32>
// CHECK-NOT:     linalg.batch_matmul
func.func @shared_weight(%a: tensor<?x16x64xf32>, %w: tensor<64x32xf32>) -> tensor<?x16x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %a, %c0 : tensor<?x16x64xf32>
  %e = tensor.empty(%b) : tensor<?x64x32xf32>
  %wb = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<64x32xf32>) outs(%e : tensor<?x64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x64x32xf32>
  %eo = tensor.empty(%b) : tensor<?x16x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%eo : tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  %r = linalg.batch_matmul ins(%a, %wb : tensor<?x16x64xf32>, tensor<?x64x32xf32>) outs(%z : tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  return %r : tensor<?x16x32xf32>
}

// -----

// Each batch its own weights: a batched product, left to the loops.
// CHECK-LABEL: func.func @own_weights
// CHECK:         linalg.batch_matmul
func.func @own_weights(%a: tensor<?x16x64xf32>, %w: tensor<?x64x32xf32>) -> tensor<?x16x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %a, %c0 : tensor<?x16x64xf32>
  %eo = tensor.empty(%b) : tensor<?x16x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%eo : tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  %r = linalg.batch_matmul ins(%a, %w : tensor<?x16x64xf32>, tensor<?x64x32xf32>) outs(%z : tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  return %r : tensor<?x16x32xf32>
}
