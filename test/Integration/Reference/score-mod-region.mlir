// A general score_mod region inlined per element (relative-position term).
// RUN: attune-runner %s --batch=1 --q-heads=2 --kv-heads=2 --q-len=6 --kv-len=6 --head-dim=16 --score-mod=relpos --lse | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %o: memref<?x2x?x16xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) score_mod {
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
  }
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}
