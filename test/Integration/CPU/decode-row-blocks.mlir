// The decode kernel's PV step takes a KV group's rows in blocks of four, then
// two, then one (each V chunk loaded once per block), against the float64
// reference. With decode-gqa-row-kernel.mlir (4 and 8 rows) and the other
// decode tests (1 and 2 rows), every row count from 1 to 8 runs: 7 heads on
// one KV head give 7 rows (4 + 2 + 1), 5 heads 5 (4 + 1), a group of 3 gives
// 3 (2 + 1) and, at Lq = 2, 6 (4 + 2); Dv = 80 leaves a last pass of one
// chunk after a pass of four.
// RUN: attune-runner %s --entry=mqa7 --pipeline=fused --dtype=f32 --batch=2 --q-heads=7 --kv-heads=1 --q-len=1 --kv-len=1000 --head-dim=64 --value-dim=80 --mask=window:300,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=mqa5 --pipeline=fused --dtype=f32 --batch=1 --q-heads=5 --kv-heads=1 --q-len=1 --kv-len=515 --head-dim=128 --value-dim=128 --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa3 --pipeline=fused --dtype=bf16 --batch=1 --q-heads=6 --kv-heads=2 --q-len=1 --kv-len=777 --head-dim=128 --value-dim=128 --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa3 --pipeline=fused --dtype=bf16 --batch=1 --q-heads=6 --kv-heads=2 --q-len=2 --kv-len=130 --head-dim=128 --value-dim=128 --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa3 --pipeline=fused --fused-options=bf16-dot=false --dtype=bf16 --batch=1 --q-heads=6 --kv-heads=2 --q-len=2 --kv-len=99 --head-dim=128 --value-dim=128 --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa3_f16 --pipeline=fused --dtype=f16 --batch=2 --q-heads=6 --kv-heads=2 --q-len=1 --kv-len=257 --head-dim=128 --value-dim=128 --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @mqa7(%q: tensor<?x7x?x64xf32>, %k: tensor<?x1x?x64xf32>, %v: tensor<?x1x?x80xf32>, %o: memref<?x7x?x80xf32>, %l: memref<?x7x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 300, right = 0, sinks = 4>}
      : (tensor<?x7x?x64xf32>, tensor<?x1x?x64xf32>, tensor<?x1x?x80xf32>) -> (tensor<?x7x?x80xf32>, tensor<?x7x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x7x?x80xf32>, memref<?x7x?x80xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x7x?xf32>, memref<?x7x?xf32>) -> ()
  return
}

func.func @mqa5(%q: tensor<?x5x?x128xf32>, %k: tensor<?x1x?x128xf32>, %v: tensor<?x1x?x128xf32>, %o: memref<?x5x?x128xf32>, %l: memref<?x5x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x5x?x128xf32>, tensor<?x1x?x128xf32>, tensor<?x1x?x128xf32>) -> (tensor<?x5x?x128xf32>, tensor<?x5x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x5x?x128xf32>, memref<?x5x?x128xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x5x?xf32>, memref<?x5x?xf32>) -> ()
  return
}

func.func @gqa3(%q: tensor<?x6x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: memref<?x6x?x128xbf16>, %l: memref<?x6x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x6x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> (tensor<?x6x?x128xbf16>, tensor<?x6x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x6x?x128xbf16>, memref<?x6x?x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x6x?xf32>, memref<?x6x?xf32>) -> ()
  return
}

func.func @gqa3_f16(%q: tensor<?x6x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %o: memref<?x6x?x128xf16>, %l: memref<?x6x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x6x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>) -> (tensor<?x6x?x128xf16>, tensor<?x6x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x6x?x128xf16>, memref<?x6x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x6x?xf32>, memref<?x6x?xf32>) -> ()
  return
}
