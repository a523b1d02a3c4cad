// RUN: attune-opt %s --convert-attn-to-cpu="fallback=false" --split-input-file --verify-diagnostics
// RUN: not attune-opt %s --convert-attn-to-cpu="kv-tile=30 row-block=4" 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not attune-opt %s --convert-attn-to-cpu="lanes=0" 2>&1 | FileCheck %s --check-prefix=TILES

// TILES: tile sizes must be positive and kv-tile a multiple of row-block

func.func @block_sparse(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>, %nb: tensor<1x1x2xi32>, %idx: tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{is not supported by the fused CPU path yet: block-sparse masks}}
  %o = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 4, 4>}
      : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
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
