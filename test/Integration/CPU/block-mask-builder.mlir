// attn-build-block-mask: block lists computed from a mask_mod region, then the fused
// kernel visits only the listed blocks. The region is a document mask (queries and keys
// of the same 48-token document see each other) under a causal mask: most 16 x 16
// blocks are empty, those inside a document full, the diagonal and document edges
// partial. The result must not change: every element against float64.
// RUN: attune-opt %s --attn-build-block-mask="q-block=16 kv-block=16" -o %t.mlir
// RUN: attune-runner %t.mlir --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=200 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// RUN: attune-runner %t.mlir --pipeline=fused --batch=1 --q-heads=4 --kv-heads=2 --q-len=77 --kv-len=130 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// RUN: attune-runner %t.mlir --pipeline=reference --batch=1 --q-heads=4 --kv-heads=2 --q-len=50 --kv-len=50 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// RUN: attune-opt %s --attn-build-block-mask="q-block=32 kv-block=64" -o %t.64.mlir
// RUN: attune-runner %t.64.mlir --pipeline=fused --batch=1 --q-heads=4 --kv-heads=2 --q-len=300 --kv-len=300 --head-dim=64 --value-dim=64 --mask=causal --mask-mod=doc48 --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %o: memref<?x4x?x64xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    // visible iff i / 48 == j / 48 (same document)
    %c48 = arith.constant 48 : index
    %di = arith.divui %i, %c48 : index
    %dj = arith.divui %j, %c48 : index
    %r = arith.cmpi eq, %di, %dj : index
    attn.yield %r : i1
  } : (tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> (tensor<?x4x?x64xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
