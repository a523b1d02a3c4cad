// Fused CPU path, block-sparse (FlexAttention block lists): only listed key blocks are
// visited; full blocks skip the mask, partial ones apply the mask and mask_mod; one query
// block has empty lists (its rows must be 0). Lists with repeated, cross-listed and
// out-of-range entries must give the same union of blocks.
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=2 --kv-heads=2 --q-len=300 --kv-len=301 --head-dim=16 --mask=causal --mask-mod=mod3 --block-mask=16,16 --full-blocks --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=2 --kv-heads=2 --q-len=1 --kv-len=70 --head-dim=16 --mask=causal --mask-mod=mod3 --block-mask=16,16 --full-blocks --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=2 --kv-heads=2 --q-len=100 --kv-len=130 --head-dim=16 --mask=causal --mask-mod=mod3 --block-mask=16,16 --full-blocks --block-duplicates --lse | FileCheck %s
// RUN: attune-runner %s --entry=gqa_sigmoid --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1000 --kv-len=900 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal --block-mask=64,128 | FileCheck %s
// RUN: attune-runner %s --entry=gqa_sigmoid --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=333 --head-dim=64 --value-dim=64 --norm=sigmoid --mask=causal --block-mask=64,128 --block-duplicates | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %fnb: tensor<1x1x?xi32>, %fidx: tensor<1x1x?x?xi32>, %o: memref<?x2x?x16xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 16, 16>, mask = #attn.mask<causal>} mask_mod {
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
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

func.func @gqa_sigmoid(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 64, 128>, mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}
