// MQA (one KV head for 4 query heads) in f16, no mask.
// RUN: attune-runner %s --dtype=f16 --batch=1 --q-heads=4 --kv-heads=1 --q-len=9 --kv-len=13 --head-dim=16 | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x16xf16>, %k: tensor<?x1x?x16xf16>, %v: tensor<?x1x?x16xf16>, %o: memref<?x4x?x16xf16>) {
  %out = attn.attention(%q, %k, %v)
      : (tensor<?x4x?x16xf16>, tensor<?x1x?x16xf16>, tensor<?x1x?x16xf16>) -> tensor<?x4x?x16xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xf16>, memref<?x4x?x16xf16>) -> ()
  return
}
