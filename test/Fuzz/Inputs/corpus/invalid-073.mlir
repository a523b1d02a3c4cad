func.func @merge_empty() {
  %o = attn.merge() : () -> tensor<2x8x16x64xf32>
  return
}
