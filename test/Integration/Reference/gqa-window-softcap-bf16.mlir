// A combination: GQA 6:1 + sliding window + softcap, bf16, static shapes.
// RUN: attune-runner %s --dtype=bf16 --batch=1 --q-heads=6 --kv-heads=1 --q-len=9 --kv-len=9 --head-dim=32 --mask=window:4,0 --softcap=3.0 --lse | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<1x6x9x32xbf16>, %k: tensor<1x1x9x32xbf16>, %v: tensor<1x1x9x32xbf16>, %o: memref<1x6x9x32xbf16>, %l: memref<1x6x9xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 4, right = 0>, softcap = 3.0 : f32}
      : (tensor<1x6x9x32xbf16>, tensor<1x1x9x32xbf16>, tensor<1x1x9x32xbf16>) -> (tensor<1x6x9x32xbf16>, tensor<1x6x9xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x6x9x32xbf16>, memref<1x6x9x32xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<1x6x9xf32>, memref<1x6x9xf32>) -> ()
  return
}
