func.func @prefix_no_segments(%q: tensor<4x8x16x64xf16>) {
  %o = attn.prefix_attention(%q) keys() values() {segments = []} : (tensor<4x8x16x64xf16>) -> tensor<4x8x16x64xf16>
  return
}
