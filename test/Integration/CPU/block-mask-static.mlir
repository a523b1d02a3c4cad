// Block lists built at compile time (static extents: attn-build-block-mask
// evaluates the region and the mask itself and writes constants), then run
// by the fused kernel against the float64 reference of the unlisted
// problem. Documents of 48 tokens under a causal mask.
// RUN: attune-opt %s --attn-build-block-mask="q-block=16 kv-block=16" -o %t.mlir
// RUN: FileCheck %s --check-prefix=LISTS < %t.mlir
// RUN: attune-runner %t.mlir --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=200 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// RUN: attune-runner %t.mlir --pipeline=reference --batch=2 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=200 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// LISTS-NOT: scf.for
// LISTS: arith.constant dense<{{.*}}> : tensor<1x1x13xi32>
// LISTS: attn.attention{{.*}} blocks(
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<2x4x200x64xf32>, %k: tensor<2x2x200x64xf32>, %v: tensor<2x2x200x64xf32>, %o: memref<2x4x200x64xf32>, %l: memref<2x4x200xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    // visible iff i / 48 == j / 48 (same document)
    %c48 = arith.constant 48 : index
    %di = arith.divui %i, %c48 : index
    %dj = arith.divui %j, %c48 : index
    %r = arith.cmpi eq, %di, %dj : index
    attn.yield %r : i1
  } : (tensor<2x4x200x64xf32>, tensor<2x2x200x64xf32>, tensor<2x2x200x64xf32>) -> (tensor<2x4x200x64xf32>, tensor<2x4x200xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<2x4x200x64xf32>, memref<2x4x200x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<2x4x200xf32>, memref<2x4x200xf32>) -> ()
  return
}
