// RUN: attune-opt %s --attune-split-bf16-truncations --split-input-file | FileCheck %s

// A constant folds to bf16, rounded to nearest even from the f64 value
// (1e-5 is 0x3728 in bf16, 1.0013580e-05, printed 1.001360e-05).
// CHECK-LABEL: func.func @constant
// CHECK-NEXT:    %[[C:.+]] = arith.constant 1.001360e-05 : bf16
// CHECK-NEXT:    return %[[C]] : bf16
func.func @constant() -> bf16 {
  %c = arith.constant 1.0e-05 : f64
  %t = arith.truncf %c : f64 to bf16
  return %t : bf16
}

// -----

// Ties go to even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
// CHECK-LABEL: func.func @tie
// CHECK-NEXT:    %[[C:.+]] = arith.constant 1.000000e+00 : bf16
// CHECK-NEXT:    return %[[C]] : bf16
func.func @tie() -> bf16 {
  %c = arith.constant 1.00390625 : f64
  %t = arith.truncf %c : f64 to bf16
  return %t : bf16
}

// -----

// A splat vector constant folds too.
// CHECK-LABEL: func.func @splat
// CHECK-NEXT:    %[[C:.+]] = arith.constant dense<-3.000000e+00> : vector<8xbf16>
// CHECK-NEXT:    return %[[C]]
func.func @splat() -> vector<8xbf16> {
  %c = arith.constant dense<-3.0> : vector<8xf64>
  %t = arith.truncf %c : vector<8xf64> to vector<8xbf16>
  return %t : vector<8xbf16>
}

// -----

// Other values go through f32, scalars and vectors.
// CHECK-LABEL: func.func @value
// CHECK-SAME:    (%[[X:.+]]: f64, %[[V:.+]]: vector<4xf64>)
// CHECK-NEXT:    %[[X32:.+]] = arith.truncf %[[X]] : f64 to f32
// CHECK-NEXT:    %[[XB:.+]] = arith.truncf %[[X32]] : f32 to bf16
// CHECK-NEXT:    %[[V32:.+]] = arith.truncf %[[V]] : vector<4xf64> to vector<4xf32>
// CHECK-NEXT:    %[[VB:.+]] = arith.truncf %[[V32]] : vector<4xf32> to vector<4xbf16>
// CHECK-NEXT:    return %[[XB]], %[[VB]]
func.func @value(%x: f64, %v: vector<4xf64>) -> (bf16, vector<4xbf16>) {
  %t = arith.truncf %x : f64 to bf16
  %u = arith.truncf %v : vector<4xf64> to vector<4xbf16>
  return %t, %u : bf16, vector<4xbf16>
}

// -----

// Truncations from f32, to other types, or with another rounding mode are
// left alone.
// CHECK-LABEL: func.func @untouched
// CHECK-NEXT:    arith.truncf %{{.+}} : f32 to bf16
// CHECK-NEXT:    arith.truncf %{{.+}} : f64 to f16
// CHECK-NEXT:    arith.truncf %{{.+}} upward : f64 to bf16
func.func @untouched(%x: f32, %y: f64) -> (bf16, f16, bf16) {
  %a = arith.truncf %x : f32 to bf16
  %b = arith.truncf %y : f64 to f16
  %c = arith.truncf %y upward : f64 to bf16
  return %a, %b, %c : bf16, f16, bf16
}
