func.func @gqa_dynamic_lse(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x96xbf16>) -> (tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>) {
  %o, %l = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, scale = 0.125 : f32} : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x96xbf16>) -> (tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>
}
