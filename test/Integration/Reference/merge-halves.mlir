// Softmax attention over two disjoint parts of the keys, merged exactly
// through their log-sum-exps, equals attention over all keys.
// RUN: attune-runner %s --batch=2 --q-heads=4 --kv-heads=2 --q-len=9 --kv-len=13 --head-dim=16 --mask=causal --lse | FileCheck %s
// CHECK: PASS

// The whole problem: Lq = 9, Lk = 13, causal (diag = i + 4). Part 0 holds keys
// [0, 6), part 1 keys [6, 13); each part states the causal bound in global key
// indices through a mask_mod. Rows 0 and 1 see no key of part 1.
func.func @kernel(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>,
                  %o: memref<?x4x?x16xf32>,
                  %l: memref<?x4x?xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %b = tensor.dim %q, %c0 : tensor<?x4x?x16xf32>
  %lk = tensor.dim %k, %c2 : tensor<?x2x?x16xf32>
  %rest = arith.subi %lk, %c6 : index
  %k0 = tensor.extract_slice %k[0, 0, 0, 0] [%b, 2, %c6, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<?x2x?x16xf32>
  %v0 = tensor.extract_slice %v[0, 0, 0, 0] [%b, 2, %c6, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<?x2x?x16xf32>
  %k1 = tensor.extract_slice %k[0, 0, 6, 0] [%b, 2, %rest, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<?x2x?x16xf32>
  %v1 = tensor.extract_slice %v[0, 0, 6, 0] [%b, 2, %rest, 16] [1, 1, 1, 1] : tensor<?x2x?x16xf32> to tensor<?x2x?x16xf32>
  // Part 0: key j is visible iff j <= i + 4.
  %o0, %l0 = attn.attention(%q, %k0, %v0) mask_mod {
  ^bb0(%bb: index, %h: index, %i: index, %j: index):
    %c4 = arith.constant 4 : index
    %diag = arith.addi %i, %c4 : index
    %ok = arith.cmpi sle, %j, %diag : index
    attn.yield %ok : i1
  } : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> (tensor<?x4x?x16xf32>, tensor<?x4x?xf32>)
  // Part 1: key j is global key j + 6, visible iff j + 6 <= i + 4.
  %o1, %l1 = attn.attention(%q, %k1, %v1) mask_mod {
  ^bb0(%bb: index, %h: index, %i: index, %j: index):
    %c4 = arith.constant 4 : index
    %six = arith.constant 6 : index
    %g = arith.addi %j, %six : index
    %diag = arith.addi %i, %c4 : index
    %ok = arith.cmpi sle, %g, %diag : index
    attn.yield %ok : i1
  } : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> (tensor<?x4x?x16xf32>, tensor<?x4x?xf32>)
  // o = (e^{l0} o0 + e^{l1} o1) / (e^{l0} + e^{l1}),  lse = log(e^{l0} + e^{l1})
  %out, %lse = attn.merge(%o0, %o1) lse(%l0, %l1)
      : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?xf32>, tensor<?x4x?xf32>)
      -> (tensor<?x4x?x16xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xf32>, memref<?x4x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
