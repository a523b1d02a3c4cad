// Fused CPU path: sigmoid attention (FlashSigmoid, bias -log Lk, no running max or sum),
// GQA 4:2, causal, bf16.
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>, mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}
