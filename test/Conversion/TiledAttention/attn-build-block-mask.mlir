// RUN: attune-opt %s --attn-build-block-mask="q-block=16 kv-block=32" --split-input-file | FileCheck %s
// RUN: not attune-opt %s --attn-build-block-mask="q-block=0" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: attn-build-block-mask: block sizes must be positive

// A mask_mod that reads neither b nor h: one list for all rows and heads,
// [1, 1, ceil(Lq / 16)] counts and [1, 1, ceil(Lq / 16), ceil(Lk / 32)]
// indices, built by walking every (query block, key block) pair.
// CHECK-LABEL: func.func @shared_lists
// CHECK:         %[[QB:.+]] = arith.ceildivui %{{.+}}, %c16
// CHECK:         %[[KB:.+]] = arith.ceildivui %{{.+}}, %c32
// CHECK:         tensor.empty(%[[QB]]) : tensor<1x1x?xi32>
// CHECK:         tensor.empty(%[[QB]], %[[KB]]) : tensor<1x1x?x?xi32>
// all in range visible -> full list; some -> partial list
// CHECK:         scf.for
// CHECK:           tensor.insert
// CHECK:         attn.attention(%{{.+}}) blocks(%{{.+}}, %{{.+}}) full_blocks(%{{.+}}, %{{.+}}) {block_size = array<i64: 16, 32>, mask = #attn.mask<causal>} mask_mod
func.func @shared_lists(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c48 = arith.constant 48 : index
    %di = arith.divui %i, %c48 : index
    %dj = arith.divui %j, %c48 : index
    %r = arith.cmpi eq, %di, %dj : index
    attn.yield %r : i1
  } : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// -----

// The region reads the head: lists per (batch, head).
// CHECK-LABEL: func.func @per_head_lists
// CHECK:         tensor.empty(%{{.+}}, %{{.+}}) : tensor<?x2x?xi32>
// CHECK:         attn.attention(%{{.+}}) blocks
func.func @per_head_lists(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32> {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ule, %j, %h : index
    attn.yield %r : i1
  } : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}

// -----

// Without a mask_mod (the fused kernels skip masked tiles by themselves), or
// with lists already, nothing changes.
// CHECK-LABEL: func.func @no_region
// CHECK-NOT:     blocks(
func.func @no_region(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}
