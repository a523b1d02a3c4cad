// RUN: attune-opt %s --attune-cpu-pipeline | FileCheck %s
// RUN: attune-opt %s --attune-cpu-pipeline="openmp=false" | FileCheck %s --check-prefix=SERIAL
// RUN: attune-opt %s --attune-cpu-pipeline --mlir-print-ir-after=convert-scf-to-openmp 2>&1 | FileCheck %s --check-prefix=OMP

// The fused pipeline ends in the LLVM dialect with the query tiles on OpenMP
// threads, exponentials as vector polynomials (no libm call per lane), and
// the per-tile scratch released after every iteration.
// CHECK-NOT: attn.
// CHECK-LABEL: llvm.func @kernel
// CHECK: omp.parallel
// CHECK: omp.wsloop
// CHECK: llvm.intr.stacksave
// CHECK: llvm.intr.fma{{.*}}vector<16xf32>
// CHECK: llvm.intr.stackrestore
// CHECK-NOT: llvm.call @expf
// CHECK-LABEL: llvm.func @_mlir_ciface_kernel
// CHECK-NOT: {{(linalg|tensor|memref|scf|math|vector|bufferization)\.}}

// SERIAL-NOT: omp.
// SERIAL: llvm.intr.fma{{.*}}vector<16xf32>

// OMP: omp.loop_nest
// OMP-NEXT: memref.alloca_scope
func.func @kernel(%q: tensor<?x4x?x16xbf16>, %k: tensor<?x2x?x16xbf16>, %v: tensor<?x2x?x16xbf16>, %o: memref<?x4x?x16xbf16>, %l: memref<?x4x?xf32>) attributes {llvm.emit_c_interface} {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x4x?x16xbf16>, tensor<?x2x?x16xbf16>, tensor<?x2x?x16xbf16>) -> (tensor<?x4x?x16xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xbf16>, memref<?x4x?x16xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
