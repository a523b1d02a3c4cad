func.func @ragged(%q: tensor<?x8x1x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %n: tensor<?xi32>, %kp: tensor<1x2x?x64xbf16>) -> (tensor<?x8x1x64xf32>, tensor<?x8x1x64xbf16>) {
  %o = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>} : (tensor<?x8x1x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?xi32>) -> tensor<?x8x1x64xf32>
  %p = attn.prefix_attention(%q) keys(%kp, %k) values(%kp, %v) suffix_lengths(%n) {segments = [#attn.segment<shared>, #attn.segment<per_row>]} : (tensor<?x8x1x64xbf16>, tensor<1x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?xi32>) -> tensor<?x8x1x64xbf16>
  return %o, %p : tensor<?x8x1x64xf32>, tensor<?x8x1x64xbf16>
}
