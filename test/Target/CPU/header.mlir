// RUN: attune-compile %s -o %t.o --header %t.h --cpu=x86-64-v3
// RUN: FileCheck %s < %t.h
// RUN: %clang -fsyntax-only -Wall -Werror -x c %t.h
// RUN: %clang -fsyntax-only -Wall -Werror -x c++ %t.h
// RUN: attune-compile %s -o %t4.o --cpu=x86-64-v4
// RUN: attune-compile %s -o %t5.o --cpu=znver5

// One C function per public function: pointers in argument order (inputs
// const, bf16 as uint16_t), then the dynamic sizes, named after their role;
// the header documents every shape.
// CHECK: (cpu: x86-64-v3)
// CHECK: ATTUNE_ERR_NULL_POINTER = 1
// CHECK: ATTUNE_ERR_BAD_SIZE = 2
// CHECK-LABEL: /* decode
// CHECK: attention: Hq=8 Hkv=2 D=128 Dv=128 softmax
// CHECK: q [batch, 8, 1, 128] bf16, read
// CHECK: k [batch, 2, kv_len, 128] bf16, read
// CHECK: out [batch, 8, 1, 128] bf16, written
// CHECK: int32_t decode(const uint16_t *q, const uint16_t *k, const uint16_t *v, uint16_t *out, int64_t batch, int64_t kv_len);
// CHECK-LABEL: /* two_layers
// CHECK: attention: Hq=2 Hkv=2 D=16 Dv=16 softmax scale=1.250000e-01 mask=#attn.mask<causal>
// CHECK: attention_1: Hq=2 Hkv=2 D=16 Dv=16 sigmoid
// CHECK: int32_t two_layers(const float *q, const float *k, const float *v, float *out, const float *q_1, float *out_1, int64_t q_len, int64_t kv_len, int64_t q_len_1);
func.func @decode(%q: tensor<?x8x1x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: memref<?x8x1x128xbf16>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x1x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xbf16>, memref<?x8x1x128xbf16>) -> ()
  return
}

// Two attention ops sharing K and V: their sizes are tied together.
func.func @two_layers(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>, %o: memref<1x2x?x16xf32>, %q1: tensor<1x2x?x16xf32>, %o1: memref<1x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, scale = 0.125 : f32} : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x2x?x16xf32>, memref<1x2x?x16xf32>) -> ()
  %out1 = attn.attention(%q1, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  bufferization.materialize_in_destination %out1 in restrict writable %o1 : (tensor<1x2x?x16xf32>, memref<1x2x?x16xf32>) -> ()
  return
}

// Shared-prefix attention: one key / value pointer per segment, a length per
// segment; per_row segments hold a row per batch row, shared ones one.
// CHECK-LABEL: /* hydragen
// CHECK: prefix_attention: Hq=8 Hkv=2 D=64 Dv=64 softmax scale=1.250000e-01 segments=[shared, rows, per_row] mask=#attn.mask<causal>
// CHECK: k0 [1, 2, seg0_len, 64] f32, read
// CHECK: k1 [2, 2, seg1_len, 64] f32, read
// CHECK: k2 [4, 2, seg2_len, 64] f32, read
// CHECK: lse [4, 8, q_len] f32, written
// CHECK: int32_t hydragen(const float *q, const float *k0, const float *k1, const float *k2, const float *v0, const float *v1, const float *v2, float *out, float *lse, int64_t q_len, int64_t seg0_len, int64_t seg1_len, int64_t seg2_len);
func.func @hydragen(%q: tensor<4x8x?x64xf32>, %k0: tensor<1x2x?x64xf32>, %k1: tensor<2x2x?x64xf32>, %k2: tensor<4x2x?x64xf32>, %v0: tensor<1x2x?x64xf32>, %v1: tensor<2x2x?x64xf32>, %v2: tensor<4x2x?x64xf32>, %o: memref<4x8x?x64xf32>, %l: memref<4x8x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%k0, %k1, %k2) values(%v0, %v1, %v2) {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<4x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<2x2x?x64xf32>, tensor<4x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<2x2x?x64xf32>, tensor<4x2x?x64xf32>) -> (tensor<4x8x?x64xf32>, tensor<4x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<4x8x?x64xf32>, memref<4x8x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<4x8x?xf32>, memref<4x8x?xf32>) -> ()
  return
}

// A model as exporters write it, returning a tensor of a dynamic length:
// the length is a size of the input's own, and the output's (its extent
// follows from the input's through the body's shapes).
// CHECK-LABEL: /* model
// CHECK: arg0 [1, arg0_dim1, 8] f32, read
// CHECK: out1 [1, arg0_dim1, 8] f32, written
// CHECK: int32_t model(const float *arg0, float *out1, int64_t arg0_dim1);
func.func @model(%x: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %c1 = arith.constant 1 : index
  %l = tensor.dim %x, %c1 : tensor<1x?x8xf32>
  %e = tensor.empty(%l) : tensor<1x?x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<1x?x8xf32>) outs(%e : tensor<1x?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.mulf %in, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}
