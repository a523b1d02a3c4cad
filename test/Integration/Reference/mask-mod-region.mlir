// A general mask_mod region combined with a causal mask; some rows end up empty.
// RUN: attune-runner %s --batch=2 --q-heads=2 --kv-heads=2 --q-len=5 --kv-len=5 --head-dim=16 --mask=causal --mask-mod=mod3 --lse | FileCheck %s
// CHECK: fully-masked rows: {{[1-9][0-9]*}}
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %o: memref<?x2x?x16xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
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
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}
