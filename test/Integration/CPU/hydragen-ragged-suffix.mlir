// Shared prefix with ragged per-row suffixes (suffix_lengths): row b reads
// the whole prompt and the first clamp(suffix_lengths[b], 0, S) keys of its
// suffix; an empty suffix (0) and one past S (clamped) included.
// Decode: decomposed (prompt attended once by all rows' stacked queries, the
// suffix part with kv_lengths), against float64, and through the C ABI.
// RUN: attune-runner %s --entry=decode --batch=4 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=64 --mask=causal --lse '--segments=shared:150;per_row:40' --kv-lengths=40,0,17,99 --pipeline=fused | FileCheck %s
// RUN: attune-runner %s --entry=decode --batch=4 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=64 --mask=causal --lse '--segments=shared:150;per_row:40' --kv-lengths=40,0,17,99 --pipeline=fused --c-abi | FileCheck %s
// RUN: attune-opt %s --attn-decompose-shared-prefix | FileCheck %s --check-prefix=IR
// Several queries per row under a causal mask: where the prompt ends relative
// to each query depends on the row's suffix length, so the op is not
// decomposed and runs over the concatenation (still exact).
// RUN: attune-runner %s --entry=prefill --batch=3 --q-heads=4 --kv-heads=2 --q-len=3 --head-dim=32 --mask=causal --lse '--segments=shared:20;per_row:9' --kv-lengths=9,1,4 --pipeline=fused | FileCheck %s
// CHECK: PASS
// IR-LABEL: func @decode
// IR: attn.attention({{.*}}) : (tensor<1x8x?x64xf32>
// IR: attn.attention(%arg0, %arg2, %arg4) kv_lengths(%arg5)
// IR: attn.merge
// IR-LABEL: func @prefill
// IR: attn.prefix_attention

func.func @decode(%q: tensor<?x8x1x64xf32>, %kp: tensor<1x2x?x64xf32>, %ks: tensor<?x2x?x64xf32>,
                  %vp: tensor<1x2x?x64xf32>, %vs: tensor<?x2x?x64xf32>, %n: tensor<?xi32>,
                  %o: memref<?x8x1x64xf32>, %l: memref<?x8x1xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<?x8x1x64xf32>, tensor<1x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<1x2x?x64xf32>,
         tensor<?x2x?x64xf32>, tensor<?xi32>) -> (tensor<?x8x1x64xf32>, tensor<?x8x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x64xf32>, memref<?x8x1x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x1xf32>, memref<?x8x1xf32>) -> ()
  return
}

func.func @prefill(%q: tensor<3x4x?x32xf32>, %kp: tensor<1x2x?x32xf32>, %ks: tensor<3x2x?x32xf32>,
                   %vp: tensor<1x2x?x32xf32>, %vs: tensor<3x2x?x32xf32>, %n: tensor<3xi32>,
                   %o: memref<3x4x?x32xf32>, %l: memref<3x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<3x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<3x2x?x32xf32>, tensor<1x2x?x32xf32>,
         tensor<3x2x?x32xf32>, tensor<3xi32>) -> (tensor<3x4x?x32xf32>, tensor<3x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<3x4x?x32xf32>, memref<3x4x?x32xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<3x4x?xf32>, memref<3x4x?xf32>) -> ()
  return
}
