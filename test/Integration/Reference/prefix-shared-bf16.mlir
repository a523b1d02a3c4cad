// Hydragen's two-level case in bf16 with a dynamic batch: one prefix shared by
// every row, then per-row suffixes.
// RUN: attune-runner %s --dtype=bf16 --batch=3 --q-heads=2 --kv-heads=2 --q-len=4 --head-dim=32 --lse '--segments=shared:17;per_row:6' | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x32xbf16>,
                  %kp: tensor<1x2x?x32xbf16>, %ks: tensor<?x2x?x32xbf16>,
                  %vp: tensor<1x2x?x32xbf16>, %vs: tensor<?x2x?x32xbf16>,
                  %o: memref<?x2x?x32xbf16>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>]}
      : (tensor<?x2x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<?x2x?x32xbf16>,
         tensor<1x2x?x32xbf16>, tensor<?x2x?x32xbf16>)
      -> (tensor<?x2x?x32xbf16>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x32xbf16>, memref<?x2x?x32xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}
