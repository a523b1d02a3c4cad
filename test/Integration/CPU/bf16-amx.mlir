// bf16 prefill with both products on AMX tiles (amx=true: tdpbf16ps), against
// float64. The runner takes AMX by itself on hosts that have it; these lines
// ask for it explicitly and need such a host. Covered: partial key tiles (K
// rows staged, V^T zero past the keys), query tiles past Lq, GQA packing,
// causal with Lq > Lk (rows with no key), LSE, ragged rows (an empty one),
// sinks + window, sigmoid, 48-row tiles.
// REQUIRES: amx
// RUN: attune-runner %s --entry=gqa_causal --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=128 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa_causal --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=128 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa_causal --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=1 --q-heads=6 --kv-heads=2 --q-len=300 --kv-len=31 --head-dim=128 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --entry=ragged --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=4 --q-heads=4 --kv-heads=2 --q-len=100 --kv-len=200 --head-dim=64 --mask=causal --lse --kv-lengths=150,0,260,33 | FileCheck %s
// RUN: attune-runner %s --entry=sinks --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=500 --kv-len=500 --head-dim=64 --mask=window:100,0,4 | FileCheck %s
// 48-row query tiles (query-vectors=3): an odd number of 16-row groups.
// RUN: attune-runner %s --entry=sinks --pipeline=fused --fused-options="amx=true query-vectors=3" --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=500 --kv-len=500 --head-dim=64 --mask=window:100,0,4 | FileCheck %s
// RUN: attune-runner %s --entry=sigmoid --pipeline=fused --fused-options=amx=true --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=333 --kv-len=257 --head-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @gqa_causal(%q: tensor<?x6x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>,
    %o: memref<?x6x?x128xbf16>, %l: memref<?x6x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x6x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> (tensor<?x6x?x128xbf16>, tensor<?x6x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x6x?x128xbf16>, memref<?x6x?x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x6x?xf32>, memref<?x6x?xf32>) -> ()
  return
}

func.func @ragged(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %n: tensor<?xi32>,
    %o: memref<?x4x?x64xbf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?xi32>) -> (tensor<?x4x?x64xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @sinks(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 100, right = 0, sinks = 4>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

func.func @sigmoid(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}
