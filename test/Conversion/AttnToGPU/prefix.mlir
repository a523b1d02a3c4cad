// RUN: attune-opt %s --convert-attn-to-gpu -split-input-file | FileCheck %s

// Hydragen on the GPU: one attention kernel per KV segment, each writing its
// slot of the split-KV workspace, and the merge kernel. The first segment's
// kernel carries the host function's name and lists the others for the
// launcher; a shared segment reads KV row 0 for every query row, a per-row
// one its own row, a tree level the instance its table gives.

// CHECK: func.func private @tree(
// CHECK-SAME: attune.gpu_kernel = @attune_kernels::@tree
// CHECK: gpu.func @tree(
// CHECK-SAME: attune.merge_kernel = "tree_merge"
// CHECK-SAME: attune.segment_kernels = ["tree_segment1", "tree_segment2"]
// CHECK: memref.global "private" constant @tree_segment1_kv_rows : memref<4xi32> = dense<[0, 0, 1, 1]>
// CHECK: gpu.func @tree_segment1(
// CHECK: memref.get_global @tree_segment1_kv_rows
// CHECK: gpu.func @tree_segment2(
// CHECK: gpu.func @tree_merge(
func.func @tree(%q: tensor<4x4x3x64xbf16>, %k0: tensor<1x2x?x64xbf16>, %k1: tensor<2x2x?x64xbf16>, %k2: tensor<4x2x?x64xbf16>, %v0: tensor<1x2x?x64xbf16>, %v1: tensor<2x2x?x64xbf16>, %v2: tensor<4x2x?x64xbf16>, %o: memref<4x4x3x64xbf16>, %l: memref<4x4x3xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%k0, %k1, %k2) values(%v0, %v1, %v2)
      {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>]}
      : (tensor<4x4x3x64xbf16>, tensor<1x2x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<4x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<4x2x?x64xbf16>) -> (tensor<4x4x3x64xbf16>, tensor<4x4x3xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<4x4x3x64xbf16>, memref<4x4x3x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<4x4x3xf32>, memref<4x4x3xf32>) -> ()
  return
}

// -----

// Ragged suffixes under a causal mask in prefill: each row's concatenation
// ends with its suffix, so the prefix's kernel, positioned, reads the suffix
// lengths (host argument 5) and masks with min(offset + max(n[b], 0), Lk)
// keys; its last index parameter is the last segment's key offset. The last
// segment, where the queries sit, reads them as its kv_lengths, as before.

// CHECK-LABEL: gpu.func @ragged_causal(
// CHECK-SAME: %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[OFFSET:.*]]: index, %[[CONCAT:.*]]: index, %[[RAGGED:.*]]: index)
// CHECK-SAME: attune.host_args = array<i64: 0, 1, 3, 6, 5>
// CHECK-SAME: attune.positioned_keys
// CHECK-SAME: attune.ragged_concatenation
// CHECK: %[[N:.*]] = memref.load %arg4[%{{.*}}] : memref<?xi32>
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[N]] : i32 to index
// CHECK: %[[POS:.*]] = arith.maxsi %[[NI]], %{{.*}} : index
// CHECK-NEXT: %[[END:.*]] = arith.addi %[[RAGGED]], %[[POS]] : index
// CHECK-NEXT: arith.minsi %[[END]], %[[CONCAT]] : index
// CHECK-LABEL: gpu.func @ragged_causal_segment1(
// CHECK-SAME: attune.host_args = array<i64: 0, 2, 4, 6, 5>
func.func @ragged_causal(%q: tensor<2x4x16x64xf16>, %kp: tensor<1x4x32x64xf16>, %ks: tensor<2x4x8x64xf16>, %vp: tensor<1x4x32x64xf16>, %vs: tensor<2x4x8x64xf16>, %n: tensor<2xi32>, %o: memref<2x4x16x64xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<2x4x16x64xf16>, tensor<1x4x32x64xf16>, tensor<2x4x8x64xf16>, tensor<1x4x32x64xf16>, tensor<2x4x8x64xf16>, tensor<2xi32>) -> tensor<2x4x16x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<2x4x16x64xf16>, memref<2x4x16x64xf16>) -> ()
  return
}

// -----

// Sigmoid decode with ragged suffixes: every segment takes the row's
// concatenation length for its bias -log(n), so the shared prompt is not
// stacked (its rows' biases would differ inside a tile).

// CHECK-LABEL: gpu.func @sigmoid_ragged(
// CHECK-SAME: attune.ragged_concatenation
// CHECK-NOT: attune.stacked_rows
// CHECK: math.log
// CHECK-LABEL: gpu.func @sigmoid_ragged_segment1(
// CHECK-SAME: attune.ragged_concatenation
func.func @sigmoid_ragged(%q: tensor<2x4x1x64xf16>, %kp: tensor<1x4x32x64xf16>, %ks: tensor<2x4x8x64xf16>, %vp: tensor<1x4x32x64xf16>, %vs: tensor<2x4x8x64xf16>, %n: tensor<2xi32>, %o: memref<2x4x1x64xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], normalization = #attn.normalization<sigmoid>}
      : (tensor<2x4x1x64xf16>, tensor<1x4x32x64xf16>, tensor<2x4x8x64xf16>, tensor<1x4x32x64xf16>, tensor<2x4x8x64xf16>, tensor<2xi32>) -> tensor<2x4x1x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<2x4x1x64xf16>, memref<2x4x1x64xf16>) -> ()
  return
}
