// RUN: attune-opt %s --convert-attn-to-cpu="fallback=false" --split-input-file --verify-diagnostics
// RUN: not attune-opt %s --convert-attn-to-cpu="kv-tile=30 row-block=4" 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not attune-opt %s --convert-attn-to-cpu="lanes=0" 2>&1 | FileCheck %s --check-prefix=TILES

// TILES: tile sizes must be positive and kv-tile a multiple of row-block

func.func @block_sparse(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>, %nb: tensor<1x1x2xi32>, %idx: tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{is not supported by the fused CPU path yet: query block size 4 (needs a multiple of 16)}}
  %o = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 4, 4>}
      : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @score_mod_with_control_flow(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32> {
  // expected-error @+1 {{is not supported by the fused CPU path yet: a score_mod / mask_mod region with a non-elementwise op (scf.if)}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.cmpi ult, %i, %j : index
    %t = scf.if %c -> f32 {
      scf.yield %s : f32
    } else {
      %z = arith.constant 0.0 : f32
      scf.yield %z : f32
    }
    attn.yield %t : f32
  } : (tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
  return %o : tensor<1x1x4x16xf32>
}
