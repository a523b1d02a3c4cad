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

// -----

// Static extents and an integer region: the lists are computed at compile
// time and become constants. Causal, and keys below 16 hidden by the region;
// Lq = Lk = 96 in 16-query x 32-key blocks:
//   query block 0 (queries 0-15): nothing visible (keys >= 16 are above the
//                  diagonal);
//   query block 1 (16-31): key block 0 partial;
//   query blocks 2, 3 (32-63): key blocks 0 (keys < 16 hidden) and 1
//                  (diagonal) partial;
//   query blocks 4, 5 (64-95): key block 0 partial, 1 full, 2 partial.
// CHECK-LABEL: func.func @static_lists
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0, 1, 2, 2, 2, 2]]]> : tensor<1x1x6xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[\[}}0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 1, 0], [0, 2, 0], [0, 2, 0]]]]> : tensor<1x1x6x3xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0, 0, 0, 0, 1, 1]]]> : tensor<1x1x6xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[\[}}0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0]]]]> : tensor<1x1x6x3xi32>
// CHECK-NOT: scf.for
// CHECK: attn.attention(%{{.+}}) blocks(%{{.+}}, %{{.+}}) full_blocks(%{{.+}}, %{{.+}}) {block_size = array<i64: 16, 32>, mask = #attn.mask<causal>}
func.func @static_lists(%q: tensor<2x2x96x16xf32>, %k: tensor<2x2x96x16xf32>, %v: tensor<2x2x96x16xf32>) -> tensor<2x2x96x16xf32> {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c16 = arith.constant 16 : index
    %r = arith.cmpi sge, %j, %c16 : index
    attn.yield %r : i1
  } : (tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>) -> tensor<2x2x96x16xf32>
  return %o : tensor<2x2x96x16xf32>
}

// -----

// A region that reads the head: lists per (batch, head), still constants.
// Head 0 sees even keys only (no block is full), head 1 everything.
// CHECK-LABEL: func.func @static_per_head
// CHECK-DAG: arith.constant dense<{{\[\[\[}}1], [0]], {{\[\[}}1], [0]]]> : tensor<2x2x1xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0], [1]], {{\[\[}}0], [1]]]> : tensor<2x2x1xi32>
func.func @static_per_head(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32> {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c2 = arith.constant 2 : index
    %c0 = arith.constant 0 : index
    %odd = arith.remui %j, %c2 : index
    %even = arith.cmpi eq, %odd, %c0 : index
    %head1 = arith.cmpi ne, %h, %c0 : index
    %r = arith.ori %even, %head1 : i1
    attn.yield %r : i1
  } : (tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// -----

// @static_lists after --canonicalize, which hoists the region's constant out
// of it: the captured constant is read as one, the lists are the same
// constants.
// CHECK-LABEL: func.func @static_captured_constant
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0, 1, 2, 2, 2, 2]]]> : tensor<1x1x6xi32>
// CHECK-DAG: arith.constant dense<{{\[\[\[}}0, 0, 0, 0, 1, 1]]]> : tensor<1x1x6xi32>
// CHECK-NOT: scf.for
// CHECK: attn.attention(%{{.+}}) blocks(%{{.+}}, %{{.+}}) full_blocks(%{{.+}}, %{{.+}})
func.func @static_captured_constant(%q: tensor<2x2x96x16xf32>, %k: tensor<2x2x96x16xf32>, %v: tensor<2x2x96x16xf32>) -> tensor<2x2x96x16xf32> {
  %c16 = arith.constant 16 : index
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi sge, %j, %c16 : index
    attn.yield %r : i1
  } : (tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>) -> tensor<2x2x96x16xf32>
  return %o : tensor<2x2x96x16xf32>
}
