// RUN: attune-opt %s --convert-attn-to-cpu="bf16-dot=true" --canonicalize | FileCheck %s
// RUN: attune-opt %s --attune-cpu-pipeline="bf16-dot=true" | FileCheck %s --check-prefix=LLVM

// bf16 with AVX-512 BF16 dot products: Q stays bf16, packed in pairs along d
// (Qp[d/2, 2r + d%2]); the scale moves onto the scores.
// CHECK-LABEL: func.func @bf16_dot
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<32x128xbf16>
// Vp[q, 2e + t] = V[2q + t, e]: value rows interleaved in pairs of keys
// CHECK:         vector.interleave %{{.+}}, %{{.+}} : vector<16xbf16> -> vector<32xbf16>
// S^T[j, :] += K[j, 2p] * Qp[p, :, 0] + K[j, 2p+1] * Qp[p, :, 1]
// CHECK:         vector.bitcast %{{.+}} : vector<16xi32> to vector<32xbf16>
// CHECK:         x86vector.avx512.dot %{{.+}} : vector<32xbf16> -> vector<16xf32>
// S^T *= scale (per row)
// CHECK:         arith.mulf %{{.+}} : vector<16xf32>
// Pp = bf16(P^T) in pairs of keys, then Ot += V^T P^T the same way
// CHECK:         arith.truncf %{{.+}} : vector<16xf32> to vector<16xbf16>
// CHECK:         vector.interleave
// CHECK:         x86vector.avx512.dot
// LLVM-LABEL: llvm.func @bf16_dot
// LLVM:         llvm.x86.avx512bf16.dpbf16ps.512
func.func @bf16_dot(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>, %o: memref<1x8x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x8x?x64xbf16>, memref<1x8x?x64xbf16>) -> ()
  return
}
