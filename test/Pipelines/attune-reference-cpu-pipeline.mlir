// RUN: attune-opt %s --attune-reference-cpu-pipeline | FileCheck %s

// The reference pipeline leaves nothing but the LLVM dialect: attn, linalg,
// tensor, memref, scf and math are all gone, and the entry point keeps its C
// interface wrapper for callers.
// CHECK-NOT: attn.
// CHECK-LABEL: llvm.func @kernel
// CHECK: llvm.intr.exp
// CHECK: llvm.intr.log
// CHECK-LABEL: llvm.func @_mlir_ciface_kernel
// CHECK-NOT: {{(linalg|tensor|memref|scf|math|bufferization)\.}}
func.func @kernel(%q: tensor<?x4x?x16xbf16>, %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>, %o: memref<?x4x?x16xbf16>, %l: memref<?x4x?xf32>) attributes {llvm.emit_c_interface} {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x4x?x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>) -> (tensor<?x4x?x16xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xbf16>, memref<?x4x?x16xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
