// Hydragen decode, GQA 4:1, bf16 (AVX-512 BF16 dot products where the host
// has them): a 300-key prompt shared by 6 rows, per-row suffixes of 37 keys. The prefix part
// stacks 4 heads x 6 rows = 24 query rows per KV head (the wide kernel), the
// suffix part is the decode kernel; merged in f32, rounded once.
// RUN: attune-runner %s --dtype=bf16 --batch=6 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:300;per_row:37' --pipeline=fused | FileCheck %s
// Through the checked C entry point attune-compile emits (pointers, batch and
// the two segment lengths).
// RUN: attune-runner %s --dtype=bf16 --batch=6 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:300;per_row:37' --pipeline=fused --c-abi | FileCheck %s
// Undecomposed, for the same answer the long way.
// RUN: attune-runner %s --dtype=bf16 --batch=6 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:300;per_row:37' --pipeline=fused --fused-options=shared-prefix=false | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x8x1x128xbf16>,
                  %kp: tensor<1x2x?x128xbf16>, %ks: tensor<?x2x?x128xbf16>,
                  %vp: tensor<1x2x?x128xbf16>, %vs: tensor<?x2x?x128xbf16>,
                  %o: memref<?x8x1x128xbf16>, %l: memref<?x8x1xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>],
       mask = #attn.mask<causal>}
      : (tensor<?x8x1x128xbf16>, tensor<1x2x?x128xbf16>, tensor<?x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
      -> (tensor<?x8x1x128xbf16>, tensor<?x8x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xbf16>, memref<?x8x1x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x1xf32>, memref<?x8x1xf32>) -> ()
  return
}
