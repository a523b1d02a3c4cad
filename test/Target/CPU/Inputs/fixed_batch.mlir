// q's batch is dynamic, K's and V's are static (2): the batch size argument
// must be 2, and the entry point says so.
func.func @fixed_batch(%q: tensor<?x2x?x16xf32>, %k: tensor<2x2x?x16xf32>, %v: tensor<2x2x?x16xf32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x2x?x16xf32>, tensor<2x2x?x16xf32>, tensor<2x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}
