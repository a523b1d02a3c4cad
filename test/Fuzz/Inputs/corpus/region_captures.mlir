func.func @captures(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x?x32xf32>, %v: tensor<1x2x?x32xf32>, %c: f32, %n: index) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %r = arith.addf %s, %c : f32
    attn.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ult, %j, %n : index
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}
