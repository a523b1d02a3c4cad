// RUN: attune-opt %s --convert-attn-to-cpu="bf16-dot=true amx=true" --canonicalize | FileCheck %s
// RUN: attune-opt %s --attune-cpu-pipeline="bf16-dot=true amx=true" | FileCheck %s --check-prefix=LLVM

// bf16 with AMX tiles: the query-tile kernel asks Linux for the tile state
// and, when granted, transposes V once per call (32 keys x 16 columns at a time, zero past the
// keys), then runs both products as 2 x 2 blocks of 16x16 f32 tiles.
// CHECK-LABEL: func.func @amx
// CHECK:         %[[RC:.+]] = llvm.inline_asm has_side_effects "syscall", "={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}" %c158_i64, %c4131_i64, %c18_i64
// CHECK-NEXT:    %[[GRANTED:.+]] = arith.cmpi eq, %[[RC]], %c0_i64 : i64
// CHECK-NEXT:    scf.if %[[GRANTED]] {
// Vt[b, h, t, e, j]: one Dv x kvTile block per key tile t
// CHECK:         %[[TILES:.+]] = arith.ceildivui %{{.+}}, %c64
// CHECK:         memref.alloc(%[[TILES]]) {alignment = 64 : i64} : memref<1x2x?x64x64xbf16>
// CHECK:         scf.parallel
// CHECK:           vector.transpose %{{.+}}, [1, 0] : vector<32x16xbf16> to vector<16x32xbf16>
// CHECK:         scf.parallel
// S^T tile = K rows (as they lie) x Qp, 32 d at a time; the tile past the
// row's keys reads staged rows instead
// CHECK:           amx.tile_zero : !amx.tile<16x16xf32>
// CHECK:           amx.tile_load %{{.+}} : memref<{{.+}}xbf16> into !amx.tile<16x32xbf16>
// CHECK:           amx.tile_load %{{.+}} : memref<1x2x?x64xbf16> into !amx.tile<16x32xbf16>
// CHECK:           amx.tile_mulf %{{.+}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// CHECK:           amx.tile_store %{{.+}} : memref<64x16xf32>, !amx.tile<16x16xf32>
// CHECK:         } else {
// CHECK:           amx.tile_load %{{.+}} : memref<64x64xbf16> into !amx.tile<16x32xbf16>
// The scale (one positive constant, no modifier) applied in the softmax's
// exp, on two keys per step whose probabilities go straight to bf16 pairs
// CHECK:         %[[P0:.+]] = math.fma %{{.+}}, %[[SCALE:.+]], %[[NEGBASE:.+]] : vector<16xf32>
// CHECK-NEXT:    math.exp %[[P0]]
// CHECK:         %[[P1:.+]] = math.fma %{{.+}}, %[[SCALE]], %[[NEGBASE]] : vector<16xf32>
// CHECK-NEXT:    math.exp %[[P1]]
// CHECK:         vector.interleave
// The rescale of Ot only when some row's maximum moved
// CHECK:         arith.cmpf une
// CHECK:         vector.reduction <or>
// Ot tile += Vt x Pp
// CHECK:         amx.tile_load %{{.+}} : memref<64x16xf32> into !amx.tile<16x16xf32>
// CHECK:         amx.tile_load %{{.+}} : memref<?x2x?x64x64xbf16> into !amx.tile<16x32xbf16>
// CHECK:         amx.tile_mulf
// CHECK:         amx.tile_store
// A kernel that refuses the tile state (Linux < 5.16) gets the vdpbf16ps
// kernels instead of a fault
// CHECK:         } else {
// CHECK-NOT:       amx.
// CHECK:           scf.parallel
// CHECK-NOT:       amx.
// CHECK:           x86vector.avx512.dot
// LLVM-LABEL: llvm.func @amx
// LLVM:         llvm.x86.tileloadd64.internal
// LLVM:         llvm.x86.tdpbf16ps.internal
// LLVM:         llvm.x86.tilestored64.internal
func.func @amx(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>, %o: memref<1x8x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x8x?x64xbf16>, memref<1x8x?x64xbf16>) -> ()
  return
}

// D = 80 is no whole number of 32-wide tiles: the vdpbf16ps kernels, no AMX.
// CHECK-LABEL: func.func @d80_dot
// CHECK-NOT:     amx.
// CHECK-NOT:     llvm.inline_asm
// CHECK:         x86vector.avx512.dot
// CHECK-NOT:     amx.
// CHECK:         return
func.func @d80_dot(%q: tensor<1x8x?x80xbf16>, %k: tensor<1x2x?x80xbf16>, %v: tensor<1x2x?x80xbf16>, %o: memref<1x8x?x80xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<1x8x?x80xbf16>, tensor<1x2x?x80xbf16>, tensor<1x2x?x80xbf16>) -> tensor<1x8x?x80xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x8x?x80xbf16>, memref<1x8x?x80xbf16>) -> ()
  return
}
