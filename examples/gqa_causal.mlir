// A Llama-style attention layer: GQA (8 query heads over 2 KV heads), causal,
// bf16 activations, dynamic batch and sequence lengths, with the log-sum-exp.
// `make demo` compiles it with attune-runner and checks it against the
// float64 reference.
func.func @gqa_causal(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>,
                  %v: tensor<?x2x?x64xbf16>,
                  %o: memref<?x8x?x64xbf16>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>)
      -> (tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o
      : (tensor<?x8x?x64xbf16>, memref<?x8x?x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l
      : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}
