// Fused CPU path: bf16, GQA 6:2 (ratio 3, heads packed per KV group), D = 128, causal
// (bottom-right; Lq > Lk leaves the first rows with no key: they must be 0).
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=799 --kv-len=3 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1023 --kv-len=1024 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// The vdpbf16ps kernels on hosts whose default is AMX (bf16-amx.mlir has AMX):
// RUN: attune-runner %s --pipeline=fused --fused-options=amx=false --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=amx=false --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// The same through f32 widening, whatever the host has (the runner picks bf16 dot
// products on hosts with avx512_bf16):
// RUN: attune-runner %s --pipeline=fused --fused-options=bf16-dot=false --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=bf16-dot=false --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=128 --value-dim=128 --mask=causal | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x6x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: memref<?x6x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x6x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x6x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x6x?x128xbf16>, memref<?x6x?x128xbf16>) -> ()
  return
}
