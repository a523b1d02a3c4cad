// RUN: attune-opt %s --attune-lower-alloca-scopes --split-input-file --verify-diagnostics | FileCheck %s

// An scf.parallel body that allocates releases its scratch every iteration.
// CHECK-LABEL: func.func @parallel_body
// CHECK:         scf.parallel
// CHECK-NEXT:      %[[TOP:.+]] = llvm.intr.stacksave : !llvm.ptr
// CHECK-NEXT:      memref.alloca() : memref<64xf32>
// CHECK:           llvm.intr.stackrestore %[[TOP]] : !llvm.ptr
// CHECK-NEXT:      scf.reduce
func.func @parallel_body(%n: index, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %a = memref.alloca() : memref<64xf32>
    memref.store %x, %a[%c0] : memref<64xf32>
  }
  return
}

// -----

// A scope inside structured control flow becomes save / body / restore in
// place: no block is split, the scf.if keeps one block.
// CHECK-LABEL: func.func @scope_in_if
// CHECK:         scf.if
// CHECK-NEXT:      %[[TOP:.+]] = llvm.intr.stacksave : !llvm.ptr
// CHECK-NEXT:      memref.alloca() : memref<16xf32>
// CHECK:           scf.for
// CHECK:           llvm.intr.stackrestore %[[TOP]] : !llvm.ptr
// CHECK-NOT:     memref.alloca_scope
func.func @scope_in_if(%c: i1, %n: index, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.if %c {
    memref.alloca_scope {
      %a = memref.alloca() : memref<16xf32>
      scf.for %i = %c0 to %n step %c1 {
        memref.store %x, %a[%c0] : memref<16xf32>
      }
    }
  }
  return
}

// -----

// A parallel body without allocations is left alone.
// CHECK-LABEL: func.func @no_alloca
// CHECK-NOT:     llvm.intr.stacksave
func.func @no_alloca(%n: index, %m: memref<?xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %m[%i] : memref<?xf32>
  }
  return
}

// -----

func.func @scope_with_result() -> f32 {
  // expected-error @+1 {{only single-block scopes without results are supported}}
  %r = memref.alloca_scope -> f32 {
    %x = arith.constant 1.0 : f32
    memref.alloca_scope.return %x : f32
  }
  return %r : f32
}
