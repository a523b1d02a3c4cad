// Split-KV decode: key chunks run in parallel and merge exactly (LSE weights; plain sum
// for sigmoid). MQA 8:1 at batch 1 has a single unit of work, so the run-time choice
// splits long KV caches; forced chunk counts include chunks with no key tile at all
// (Lk = 1 with 8 chunks) and odd counts. A window with sink tokens spreads the visited
// tiles over two ranges.
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=20000 --head-dim=128 --value-dim=128 --mask=window:5000,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=kv-splits=3 --batch=2 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=1000 --head-dim=128 --value-dim=128 --mask=window:5000,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=kv-splits=8 --batch=1 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=1 --head-dim=128 --value-dim=128 --mask=window:5000,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options=kv-splits=5 --batch=1 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=777 --head-dim=128 --value-dim=128 --mask=window:5000,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=sigmoid_bf16 --pipeline=fused --fused-options=kv-splits=4 --dtype=bf16 --batch=1 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=3000 --head-dim=128 --value-dim=128 --norm=sigmoid | FileCheck %s
// RUN: attune-runner %s --entry=sigmoid_bf16 --pipeline=fused --dtype=bf16 --batch=1 --q-heads=8 --kv-heads=1 --q-len=1 --kv-len=40000 --head-dim=128 --value-dim=128 --norm=sigmoid | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x8x?x128xf32>, %k: tensor<?x1x?x128xf32>, %v: tensor<?x1x?x128xf32>, %o: memref<?x8x?x128xf32>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 5000, right = 0, sinks = 4>} : (tensor<?x8x?x128xf32>, tensor<?x1x?x128xf32>, tensor<?x1x?x128xf32>) -> (tensor<?x8x?x128xf32>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}

func.func @sigmoid_bf16(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x1x?x128xbf16>, %v: tensor<?x1x?x128xbf16>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<?x8x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}
