// RUN: attune-opt %s --convert-attn-to-cpu="fallback=false" --split-input-file --verify-diagnostics
// RUN: not attune-opt %s --convert-attn-to-cpu="kv-tile=30 row-block=4" 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not attune-opt %s --convert-attn-to-cpu="lanes=0" 2>&1 | FileCheck %s --check-prefix=TILES

// TILES: tile sizes must be positive and kv-tile a multiple of row-block

func.func @bias(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>, %b: tensor<1x1x4x4xf32>) -> tensor<1x1x4x16xf32> {
  // expected-error @+1 {{is not supported by the fused CPU path yet: additive bias tensors}}
  %o = attn.attention(%q, %k, %v) bias(%b)
      : (tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x16xf32>
  return %o : tensor<1x1x4x16xf32>
}

// -----

func.func @score_mod(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32> {
  // expected-error @+1 {{is not supported by the fused CPU path yet: score_mod / mask_mod regions}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.constant 2.0 : f32
    %t = arith.mulf %s, %c : f32
    attn.yield %t : f32
  } : (tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
  return %o : tensor<1x1x4x16xf32>
}
