// The emulated special functions, run: results sit at the GPU's error bound
// (2 ulp for ex2 and div.full, 2^-22 absolute for lg2 near 1), exact where
// the GPU is exact (ex2(0) = 1, NaN), and the .ftz forms flush subnormal
// inputs (rcp -> inf, lg2 -> -inf) and results (ex2(-130) -> 0). Each line
// is a result's bits as an integer.
// RUN: attune-opt %s --attune-convert-gpu-to-emulator | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_c_runner_utils | FileCheck %s

func.func @show(%x: f32) {
  %bits = arith.bitcast %x : f32 to i32
  vector.print %bits : i32
  return
}

func.func @main() {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %subnormal = arith.constant 1.0e-40 : f32
  %nan = arith.constant 0x7FC00000 : f32
  %m130 = arith.constant -130.0 : f32
  // ex2(0) = 1 exactly: 0x3f800000.
  // CHECK: 1065353216
  %e0 = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%zero) : (f32) -> f32
  func.call @show(%e0) : (f32) -> ()
  // ex2(1) = 2 (0x40000000) moved 2 ulp up or down, not exact.
  // CHECK-NOT: 1073741824
  // CHECK-NEXT: {{^(1073741826|1073741822)$}}
  %e1 = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%one) : (f32) -> f32
  func.call @show(%e1) : (f32) -> ()
  // ex2(-130) = 2^-130 is subnormal: flushed to +0.
  // CHECK-NEXT: {{^0$}}
  %e2 = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%m130) : (f32) -> f32
  func.call @show(%e2) : (f32) -> ()
  // NaN stays the quiet NaN 0x7fc00000.
  // CHECK-NEXT: 2143289344
  %e3 = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%nan) : (f32) -> f32
  func.call @show(%e3) : (f32) -> ()
  // rcp.ftz of a subnormal: the input flushed to +0, 1 / +0 = +inf.
  // CHECK-NEXT: 2139095040
  %r0 = llvm.call_intrinsic "llvm.nvvm.rcp.approx.ftz.f"(%subnormal) : (f32) -> f32
  func.call @show(%r0) : (f32) -> ()
  // lg2.ftz of a subnormal: -inf (0xff800000).
  // CHECK-NEXT: -8388608
  %l0 = llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"(%subnormal) : (f32) -> f32
  func.call @show(%l0) : (f32) -> ()
  // lg2(1) = 0 moved by 2^-22 absolute: +-2^-22 (0x34800000 / 0xb4800000).
  // CHECK-NEXT: {{^(880803840|-1266679808)$}}
  %l1 = llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"(%one) : (f32) -> f32
  func.call @show(%l1) : (f32) -> ()
  // div.full(1, -130): -1/130 rounds to bits -1141108799; moved 2 ulp.
  // CHECK-NEXT: {{^(-1141108797|-1141108801)$}}
  %d = llvm.call_intrinsic "llvm.nvvm.div.full"(%one, %m130) : (f32, f32) -> f32
  func.call @show(%d) : (f32) -> ()
  return
}
