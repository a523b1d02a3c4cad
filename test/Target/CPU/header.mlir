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
