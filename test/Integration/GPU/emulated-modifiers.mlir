// The GPU kernels on the CUDA emulator against the float64 reference (see
// emulated-masks.mlir): score modifiers and normalizations. Sigmoid
// (FlashSigmoid, no row state) causal; softcap with ALiBi and per-query
// temperature on GQA 4:2 (the packed heads' rows each read their own head's
// slope and temperature); an additive bias per head; score_mod and mask_mod
// regions; a non-uniform query-to-KV-head map (Key-Driven GQA).
// RUN: attune-compile %s --target=cuda --emulate -o %t.so --header %t.h
// RUN: %clang -shared -fPIC -o %t.launcher.so %t_launcher.c -ldl -lpthread
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sigmoid --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=2 attune-runner %s --entry=sigmoid --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=4 --kv-heads=2 --q-len=64 --kv-len=1030 --head-dim=64 --norm=sigmoid --mask=causal | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=softcap_alibi_temperature --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x4 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=softcap_alibi_temperature --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=300 --head-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=1x4 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=bias --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --mask=causal --bias=2x4 --lse | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=regions --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --mask=causal --score-mod=relpos --mask-mod=mod3 --lse | FileCheck %s
// After --canonicalize, which hoists the regions' constants out of them (the
// regions capture them): the kernel clones them in.
// RUN: attune-opt %s --canonicalize -o %t.canon.mlir
// RUN: FileCheck %s --check-prefix=HOISTED < %t.canon.mlir
// HOISTED-LABEL: func.func @regions
// HOISTED: arith.constant 5.000000e-02 : f32
// HOISTED-NEXT: arith.constant 1 : index
// HOISTED-NEXT: attn.attention
// RUN: attune-compile %t.canon.mlir --target=cuda --emulate -o %t.canon.so --header %t.canon.h
// RUN: %clang -shared -fPIC -o %t.canon.launcher.so %t.canon_launcher.c -ldl -lpthread
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %t.canon.mlir --entry=regions --cuda-launcher=%t.canon.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --mask=causal --score-mod=relpos --mask-mod=mod3 --lse | FileCheck %s
// A mask_mod whose modulus the region captures from the operands' sizes
// (batch + Lk - Lk + Hq - 4, which is 3 here: the mod3 mask), recomputed in
// the kernel from its batch and Lk.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=captured_sizes --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=100 --kv-len=150 --head-dim=64 --mask=causal --mask-mod=mod3 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=head_map --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=3 --q-len=150 --kv-len=203 --head-dim=64 --head-map=0,0,1,2 --scale=0.1 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @sigmoid(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

func.func @softcap_alibi_temperature(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %slopes: tensor<4xf32>, %temp: tensor<?x4x?xf32>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) alibi(%slopes) temperature(%temp) {mask = #attn.mask<causal>, softcap = 20.0 : f32}
      : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<4xf32>, tensor<?x4x?xf32>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

func.func @bias(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %bias: tensor<?x4x?x?xf32>, %o: memref<?x4x?x64xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) bias(%bias) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x4x?x?xf32>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @regions(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %o: memref<?x4x?x64xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // s + 0.05 * (i - j) * (h + 1)
    %c1 = arith.constant 1 : index
    %d = arith.subi %i, %j : index
    %h1 = arith.addi %h, %c1 : index
    %p = arith.muli %d, %h1 : index
    %pi = arith.index_cast %p : index to i64
    %pf = arith.sitofp %pi : i64 to f32
    %w = arith.constant 0.05 : f32
    %t = arith.mulf %pf, %w : f32
    %r = arith.addf %s, %t : f32
    attn.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    // visible iff (i + j + b + h) % 3 != 0
    %c0 = arith.constant 0 : index
    %c3 = arith.constant 3 : index
    %s0 = arith.addi %i, %j : index
    %s1 = arith.addi %s0, %b : index
    %s2 = arith.addi %s1, %h : index
    %m = arith.remui %s2, %c3 : index
    %r = arith.cmpi ne, %m, %c0 : index
    attn.yield %r : i1
  }
      : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @head_map(%q: tensor<?x4x?x64xf16>, %k: tensor<?x3x?x64xf16>, %v: tensor<?x3x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>, scale = 0.1 : f32}
      : (tensor<?x4x?x64xf16>, tensor<?x3x?x64xf16>, tensor<?x3x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

func.func @captured_sizes(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %batch = tensor.dim %q, %c0 : tensor<?x4x?x64xf16>
  %heads = tensor.dim %q, %c1 : tensor<?x4x?x64xf16>
  %lk = tensor.dim %k, %c2 : tensor<?x2x?x64xf16>
  %zero = arith.subi %lk, %lk : index
  %extra = arith.subi %heads, %c4 : index
  %m0 = arith.addi %batch, %zero : index
  %modulus = arith.addi %m0, %extra : index
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %s0 = arith.addi %i, %j : index
    %s1 = arith.addi %s0, %b : index
    %s2 = arith.addi %s1, %h : index
    %m = arith.remui %s2, %modulus : index
    %r = arith.cmpi ne, %m, %c0 : index
    attn.yield %r : i1
  } : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}
