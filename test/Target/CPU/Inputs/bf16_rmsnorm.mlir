// RMSNorm computed in bf16 as a bf16 export writes it: bf16 arithmetic, an
// f64 epsilon truncated to bf16, math.rsqrt on bf16.
#rows = affine_map<(r, c) -> (r, c)>
#row = affine_map<(r, c) -> (r, 0)>
#col = affine_map<(r, c) -> (c)>
func.func @rmsnorm(%x: tensor<4x64xbf16>, %w: tensor<64xbf16>, %out: memref<4x64xbf16>) {
  %eps = arith.constant 1.0e-05 : f64
  %n = arith.constant 64.0 : bf16
  %zero = arith.constant 0.0 : bf16
  %init = tensor.empty() : tensor<4x1xbf16>
  %acc = linalg.fill ins(%zero : bf16) outs(%init : tensor<4x1xbf16>) -> tensor<4x1xbf16>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xbf16>) outs(%acc : tensor<4x1xbf16>) {
  ^bb0(%a: bf16, %s: bf16):
    %sq = arith.mulf %a, %a : bf16
    %t = arith.addf %sq, %s : bf16
    linalg.yield %t : bf16
  } -> tensor<4x1xbf16>
  %scale = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<4x1xbf16>) outs(%init : tensor<4x1xbf16>) {
  ^bb0(%s: bf16, %o: bf16):
    %mean = arith.divf %s, %n : bf16
    %e = arith.truncf %eps : f64 to bf16
    %v = arith.addf %mean, %e : bf16
    %r = math.rsqrt %v : bf16
    linalg.yield %r : bf16
  } -> tensor<4x1xbf16>
  %empty = tensor.empty() : tensor<4x64xbf16>
  %y = linalg.generic {indexing_maps = [#rows, #row, #col, #rows], iterator_types = ["parallel", "parallel"]} ins(%x, %scale, %w : tensor<4x64xbf16>, tensor<4x1xbf16>, tensor<64xbf16>) outs(%empty : tensor<4x64xbf16>) {
  ^bb0(%a: bf16, %r: bf16, %g: bf16, %o: bf16):
    %p = arith.mulf %a, %r : bf16
    %q = arith.mulf %p, %g : bf16
    linalg.yield %q : bf16
  } -> tensor<4x64xbf16>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<4x64xbf16>, memref<4x64xbf16>) -> ()
  return
}
