// RUN: attune-opt %s --attune-gpu-fast-math --split-input-file | FileCheck %s

// exp2 is one ex2.approx; exp scales by log2 e first.
// CHECK-LABEL: func.func @exponentials
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK-DAG: %[[E2:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[X]])
// CHECK: %[[S:.*]] = arith.mulf %[[X]], %[[LOG2E]]
// CHECK: %[[E:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[S]])
// CHECK: return %[[E2]], %[[E]]
// CHECK-NOT: math.
func.func @exponentials(%x: f32) -> (f32, f32) {
  %a = math.exp2 %x : f32
  %b = math.exp %x : f32
  return %a, %b : f32, f32
}

// -----

// Vectors are unrolled: one intrinsic per element, fma included.
// CHECK-LABEL: func.func @vectors
// CHECK: %[[F0:.*]] = llvm.intr.fma({{.*}}) : (f32, f32, f32) -> f32
// CHECK: %[[F1:.*]] = llvm.intr.fma({{.*}}) : (f32, f32, f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[F0]])
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[F1]])
// CHECK: vector.from_elements {{.*}} : vector<2xf32>
// CHECK-NOT: math.
func.func @vectors(%x: vector<2xf32>, %c: vector<2xf32>, %b: vector<2xf32>)
    -> vector<2xf32> {
  %f = math.fma %x, %c, %b : vector<2xf32>
  %e = math.exp2 %f : vector<2xf32>
  return %e : vector<2xf32>
}

// -----

// log through lg2, tanh through exp, |x| of integers as a max: no libdevice.
// CHECK-LABEL: func.func @others
// CHECK-SAME: (%[[X:.*]]: f32, %[[I:.*]]: i32)
// CHECK: %[[L2:.*]] = llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"(%[[X]])
// CHECK: arith.mulf %[[L2]]
// CHECK: %[[TWO_X:.*]] = arith.addf %[[X]], %[[X]]
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK: llvm.call_intrinsic "llvm.nvvm.div.full"
// CHECK: %[[NEG:.*]] = arith.subi %{{.*}}, %[[I]]
// CHECK: arith.maxsi %[[I]], %[[NEG]]
// CHECK-NOT: math.
func.func @others(%x: f32, %i: i32) -> (f32, f32, i32) {
  %l = math.log %x : f32
  %t = math.tanh %x : f32
  %a = math.absi %i : i32
  return %l, %t, %a : f32, f32, i32
}

// -----

// Division: div.full (2 ulp, no subroutine), a reciprocal rcp.approx,
// vectors unrolled.
// CHECK-LABEL: func.func @divisions
// CHECK-SAME: (%[[X:.*]]: f32, %[[Y:.*]]: f32, %[[V:.*]]: vector<2xf32>, %[[W:.*]]: vector<2xf32>)
// CHECK: %[[Q:.*]] = llvm.call_intrinsic "llvm.nvvm.div.full"(%[[X]], %[[Y]]) : (f32, f32) -> f32
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.nvvm.div.full"({{.*}}) : (f32, f32) -> f32
// CHECK: %[[QV:.*]] = vector.from_elements {{.*}} : vector<2xf32>
// CHECK: %[[R:.*]] = llvm.call_intrinsic "llvm.nvvm.rcp.approx.ftz.f"(%[[Y]]) : (f32) -> f32
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.nvvm.rcp.approx.ftz.f"({{.*}}) : (f32) -> f32
// CHECK: %[[RV:.*]] = vector.from_elements {{.*}} : vector<2xf32>
// CHECK: return %[[Q]], %[[QV]], %[[R]], %[[RV]]
// CHECK-NOT: arith.divf
func.func @divisions(%x: f32, %y: f32, %v: vector<2xf32>, %w: vector<2xf32>)
    -> (f32, vector<2xf32>, f32, vector<2xf32>) {
  %q = arith.divf %x, %y : f32
  %qv = arith.divf %v, %w : vector<2xf32>
  %one = arith.constant 1.0 : f32
  %ones = arith.constant dense<1.0> : vector<2xf32>
  %r = arith.divf %one, %y : f32
  %rv = arith.divf %ones, %w : vector<2xf32>
  return %q, %qv, %r, %rv : f32, vector<2xf32>, f32, vector<2xf32>
}

// -----

// f64 stays (the kernels' math is f32).
// CHECK-LABEL: func.func @wide
// CHECK: math.exp2 %{{.*}} : f64
// CHECK: math.fma %{{.*}} : f64
// CHECK: arith.divf %{{.*}} : f64
func.func @wide(%x: f64) -> (f64, f64, f64) {
  %e = math.exp2 %x : f64
  %f = math.fma %x, %x, %x : f64
  %q = arith.divf %x, %e : f64
  return %e, %f, %q : f64, f64, f64
}
