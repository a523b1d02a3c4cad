// RUN: attune-opt %s --convert-attn-to-gpu -split-input-file -verify-diagnostics
// RUN: not attune-opt %s --convert-attn-to-gpu="warps=4 kv-tile=32" -split-input-file 2>&1 | FileCheck %s --check-prefix=TILE

// What the GPU path lacks is named in a diagnostic; nothing crashes.

func.func @f32_operands(%q: tensor<1x2x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>, %o: memref<1x2x16x64xf32>) {
  // expected-error @+1 {{is not supported by the GPU path: tensor cores take f16 or bf16 operands, not f32}}
  %out = attn.attention(%q, %k, %v) : (tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x16x64xf32>, memref<1x2x16x64xf32>) -> ()
  return
}

// -----

func.func @head_dim_36(%q: tensor<1x2x16x36xf16>, %k: tensor<1x2x16x36xf16>, %v: tensor<1x2x16x36xf16>, %o: memref<1x2x16x36xf16>) {
  // expected-error @+1 {{head dims must be multiples of 8 up to 256 (D = 36, Dv = 36)}}
  %out = attn.attention(%q, %k, %v) : (tensor<1x2x16x36xf16>, tensor<1x2x16x36xf16>, tensor<1x2x16x36xf16>) -> tensor<1x2x16x36xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x16x36xf16>, memref<1x2x16x36xf16>) -> ()
  return
}

// -----

func.func @block_sparse(%q: tensor<1x2x128x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>, %n: tensor<1x1x4xi32>, %i: tensor<1x1x4x1xi32>, %o: memref<1x2x128x64xf16>) {
  // expected-error @+1 {{query block size 32 (needs a multiple of the 64 query positions of a tile)}}
  %out = attn.attention(%q, %k, %v) blocks(%n, %i) {block_size = array<i64: 32, 128>} : (tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x1x4xi32>, tensor<1x1x4x1xi32>) -> tensor<1x2x128x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x128x64xf16>, memref<1x2x128x64xf16>) -> ()
  return
}

// -----

// expected-error @+1 {{convert-attn-to-gpu: @two_ops must hold exactly one attn.attention (it holds 2)}}
func.func @two_ops(%q: tensor<1x2x16x64xf16>, %k: tensor<1x2x16x64xf16>, %v: tensor<1x2x16x64xf16>, %o: memref<1x2x16x64xf16>) {
  %a = attn.attention(%q, %k, %v) : (tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>) -> tensor<1x2x16x64xf16>
  %b = attn.attention(%a, %k, %v) : (tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>) -> tensor<1x2x16x64xf16>
  bufferization.materialize_in_destination %b in restrict writable %o : (tensor<1x2x16x64xf16>, memref<1x2x16x64xf16>) -> ()
  return
}

// -----

func.func @computed_query(%q: tensor<1x2x16x64xf16>, %k: tensor<1x2x16x64xf16>, %v: tensor<1x2x16x64xf16>, %o: memref<1x2x16x64xf16>) {
  %q2 = arith.addf %q, %q : tensor<1x2x16x64xf16>
  // expected-error @+1 {{every operand must be an argument of @computed_query (or a constant) and every result written into one}}
  %out = attn.attention(%q2, %k, %v) : (tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>) -> tensor<1x2x16x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x16x64xf16>, memref<1x2x16x64xf16>) -> ()
  return
}

// -----

func.func @captured_length(%q: tensor<1x2x16x64xf16>, %k: tensor<1x2x16x64xf16>, %v: tensor<1x2x16x64xf16>, %o: memref<1x2x16x64xf16>, %n: index) {
  // expected-error @+1 {{score_mod / mask_mod regions that capture values other than constants and the operands' sizes are not on the GPU path yet}}
  %out = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c = arith.cmpi slt, %j, %n : index
    attn.yield %c : i1
  } : (tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>) -> tensor<1x2x16x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x16x64xf16>, memref<1x2x16x64xf16>) -> ()
  return
}

// TILE: kv-tile a positive multiple of 16 * warps

// -----

func.func @merge(%o0: tensor<2x8x?x64xf32>, %o1: tensor<2x8x?x64xf32>, %l0: tensor<2x8x?xf32>, %l1: tensor<2x8x?xf32>, %o: memref<2x8x?x64xf32>) {
  // expected-error @+1 {{'attn.merge' op is not on the GPU path yet (attn.attention and attn.prefix_attention are)}}
  %m, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
  bufferization.materialize_in_destination %m in restrict writable %o : (tensor<2x8x?x64xf32>, memref<2x8x?x64xf32>) -> ()
  return
}

