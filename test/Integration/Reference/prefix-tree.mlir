// Prefix-shared attention over a three-level tree (shared system prompt, two
// few-shot groups, per-row suffixes) equals plain attention over each row's
// concatenated KV; causal over the concatenation, GQA, LSE.
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=3 --head-dim=16 --mask=causal --lse '--segments=shared:9;rows=0/0/1/1:5;per_row:3' | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<4x4x?x16xf32>,
                  %kp: tensor<1x2x?x16xf32>, %kg: tensor<2x2x?x16xf32>, %ks: tensor<4x2x?x16xf32>,
                  %vp: tensor<1x2x?x16xf32>, %vg: tensor<2x2x?x16xf32>, %vs: tensor<4x2x?x16xf32>,
                  %o: memref<4x4x?x16xf32>, %l: memref<4x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %kg, %ks) values(%vp, %vg, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>],
       mask = #attn.mask<causal>}
      : (tensor<4x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<2x2x?x16xf32>, tensor<4x2x?x16xf32>,
         tensor<1x2x?x16xf32>, tensor<2x2x?x16xf32>, tensor<4x2x?x16xf32>)
      -> (tensor<4x4x?x16xf32>, tensor<4x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<4x4x?x16xf32>, memref<4x4x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<4x4x?xf32>, memref<4x4x?xf32>) -> ()
  return
}
