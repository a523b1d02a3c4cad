// Fused CPU path: bf16, MHA, D = 80 with Dv = 32, two-sided window (left 37, right 5):
// interior key tiles are full, the edges masked element by element.
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=799 --kv-len=3 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1023 --kv-len=1024 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x80xbf16>, %k: tensor<?x2x?x80xbf16>, %v: tensor<?x2x?x32xbf16>, %o: memref<?x2x?x32xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 37, right = 5>}
      : (tensor<?x2x?x80xbf16>, tensor<?x2x?x80xbf16>, tensor<?x2x?x32xbf16>) -> tensor<?x2x?x32xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x32xbf16>, memref<?x2x?x32xbf16>) -> ()
  return
}
