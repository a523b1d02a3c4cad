// The long case of the shape matrix, outside CI (`make check-slow`): Lq = Lk =
// 4224 (66 key tiles of 64), GQA 8:2, D = 128, bf16, causal, LSE, checked
// element by element against float64, through both bf16 paths.
// REQUIRES: slow
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=1 --q-heads=8 --kv-heads=2 --q-len=4224 --kv-len=4224 --head-dim=128 --value-dim=128 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=bf16-dot=false --dtype=bf16 --batch=1 --q-heads=8 --kv-heads=2 --q-len=4224 --kv-len=4224 --head-dim=128 --value-dim=128 --mask=causal --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: memref<?x8x?x128xbf16>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> (tensor<?x8x?x128xbf16>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}
