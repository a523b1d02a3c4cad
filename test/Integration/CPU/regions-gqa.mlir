// Fused CPU path: score_mod and mask_mod regions inlined in vector form (no call per
// element), on GQA 4:2 where each lane of a tile has its own head and position, in the
// wide, short and decode kernels, f32 and bf16.
// RUN: attune-runner %s --entry=both --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --mask=causal --score-mod=relpos --mask-mod=mod3 --lse | FileCheck %s
// RUN: attune-runner %s --entry=both --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=3 --kv-len=40 --head-dim=64 --value-dim=64 --mask=causal --score-mod=relpos --mask-mod=mod3 --lse | FileCheck %s
// RUN: attune-runner %s --entry=both --pipeline=fused --batch=1 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=301 --head-dim=64 --value-dim=64 --mask=causal --score-mod=relpos --mask-mod=mod3 --lse | FileCheck %s
// RUN: attune-runner %s --entry=score_bf16 --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=100 --head-dim=64 --value-dim=64 --score-mod=relpos | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @both(%q: tensor<?x4x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %o: memref<?x4x?x64xf32>, %l: memref<?x4x?xf32>) {
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
  } : (tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> (tensor<?x4x?x64xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @score_bf16(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
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
  } : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}
