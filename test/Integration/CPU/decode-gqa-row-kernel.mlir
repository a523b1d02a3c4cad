// Decode shapes take the row kernel (at most 8 query rows per KV group: rows one by
// one, keys in lanes): GQA 32:8, D = 128, LSE, over Lk with tails, f32 / bf16 / f16,
// and Lq = 2 (8 rows per group) as in speculative decoding. The mask is a window
// with sink tokens, so the row kernel's key-tile skipping and masking are exercised.
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=32 --kv-heads=8 --q-len=1 --kv-len=1 --head-dim=128 --value-dim=128 --mask=window:300,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=32 --kv-heads=8 --q-len=1 --kv-len=4099 --head-dim=128 --value-dim=128 --mask=window:300,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=32 --kv-heads=8 --q-len=2 --kv-len=333 --head-dim=128 --value-dim=128 --mask=window:300,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=kernel_bf16 --pipeline=fused --dtype=bf16 --batch=2 --q-heads=32 --kv-heads=8 --q-len=1 --kv-len=4099 --head-dim=128 --value-dim=128 --mask=window:300,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=kernel_bf16 --pipeline=fused --fused-options=bf16-dot=false --dtype=bf16 --batch=1 --q-heads=32 --kv-heads=8 --q-len=2 --kv-len=65 --head-dim=128 --value-dim=128 --mask=window:300,0,4 --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x32x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x32x?x128xf32>, %l: memref<?x32x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 300, right = 0, sinks = 4>}
      : (tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> (tensor<?x32x?x128xf32>, tensor<?x32x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x?x128xf32>, memref<?x32x?x128xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x32x?xf32>, memref<?x32x?xf32>) -> ()
  return
}

func.func @kernel_bf16(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x32x?x128xbf16>, %l: memref<?x32x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 300, right = 0, sinks = 4>}
      : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> (tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x?x128xbf16>, memref<?x32x?x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x32x?xf32>, memref<?x32x?xf32>) -> ()
  return
}
