// Fused CPU path: f16, GQA 6:1 (ratio 6), D = 96, causal sliding window of 100 keys
// (key tiles left of the window are skipped).
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=1 --kv-len=1 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=239 --kv-len=1 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=799 --kv-len=3 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=113 --kv-len=203 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=1023 --kv-len=1024 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=1024 --kv-len=1023 --head-dim=96 --value-dim=96 --mask=window:100,0 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x6x?x96xf16>, %k: tensor<?x1x?x96xf16>, %v: tensor<?x1x?x96xf16>, %o: memref<?x6x?x96xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 100, right = 0>}
      : (tensor<?x6x?x96xf16>, tensor<?x1x?x96xf16>, tensor<?x1x?x96xf16>) -> tensor<?x6x?x96xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x6x?x96xf16>, memref<?x6x?x96xf16>) -> ()
  return
}
