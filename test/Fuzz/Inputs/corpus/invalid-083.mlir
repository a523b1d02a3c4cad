func.func @merge_lse_f16(%o0: tensor<2x8x16x64xf16>, %l0: tensor<2x8x16xf16>) {
  %o = attn.merge(%o0) lse(%l0) : (tensor<2x8x16x64xf16>, tensor<2x8x16xf16>) -> tensor<2x8x16x64xf16>
  return
}
