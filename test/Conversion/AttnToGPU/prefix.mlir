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
