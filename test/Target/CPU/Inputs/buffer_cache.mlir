// A model whose temporaries (x transposed, then doubled: 256 n bytes each)
// live on the heap.
func.func @roundtrip(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<64x?xf32>
  %t = linalg.transpose ins(%x : tensor<?x64xf32>) outs(%e : tensor<64x?xf32>) permutation = [1, 0]
  %d = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<64x?xf32>) outs(%e : tensor<64x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<64x?xf32>
  %e2 = tensor.empty(%n) : tensor<?x64xf32>
  %y = linalg.transpose ins(%d : tensor<64x?xf32>) outs(%e2 : tensor<?x64xf32>) permutation = [1, 0]
  return %y : tensor<?x64xf32>
}
