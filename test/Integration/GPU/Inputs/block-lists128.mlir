// Block lists over 128-key blocks (full blocks too, causal partial blocks):
// the kernel that two warpgroups with 128-key tiles can take (each key
// block one tile). Used by the warp-specialized GPU tests (ptxas.test,
// emulated-warp-specialized.test).

func.func @block_sparse128(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %fnb: tensor<1x1x?xi32>, %fidx: tensor<1x1x?x?xi32>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 128, 128>, mask = #attn.mask<causal>}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}
