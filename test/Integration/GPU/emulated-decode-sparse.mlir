// The GPU kernels on the CUDA emulator against the float64 reference (see
// emulated-masks.mlir): decode and sparsity. A decode step over ragged KV
// lengths (one row empty: 0 and LSE -inf), GQA 8:2 packing the group's heads
// into one tile, with and without key chunks (split-KV's merge); FlexAttention
// block lists with full blocks (partial blocks take the causal mask, unlisted
// ones are skipped), and lists with repeated and out-of-range entries.
// RUN: attune-compile %s --target=cuda --emulate -o %t.so --header %t.h
// RUN: %clang -shared -fPIC -o %t.launcher.so %t_launcher.c -ldl -lpthread
// RUN: FileCheck %s --check-prefix=HEADER < %t.h
// HEADER: (cuda: sm_90a; emulated: the launcher embeds a CPU image for Attune's CUDA emulator
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=decode --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=3 --q-heads=8 --kv-heads=2 --q-len=1 --kv-len=700 --head-dim=128 --kv-lengths=700,0,333 --lse | FileCheck %s --check-prefixes=CHECK,MASKED
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=4 ATTUNE_EMULATOR_TRACE=1 attune-runner %s --entry=decode --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=3 --q-heads=8 --kv-heads=2 --q-len=1 --kv-len=1500 --head-dim=128 --kv-lengths=1500,0,1029 --lse 2>&1 | FileCheck %s --check-prefixes=SPLIT,CHECK,MASKED
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=block_sparse --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=4 --kv-heads=2 --q-len=300 --kv-len=301 --head-dim=64 --mask=causal --block-mask=64,64 --full-blocks --lse | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=block_sparse --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=4 --kv-heads=2 --q-len=200 --kv-len=333 --head-dim=64 --mask=causal --block-mask=64,64 --full-blocks --block-duplicates --lse | FileCheck %s
// GQA 3:1 with shared lists: the heads stay unpacked (3 does not divide a
// tile's rows, and a tile must lie inside one query block).
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=block_sparse_gqa3 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=3 --kv-heads=1 --q-len=200 --kv-len=260 --head-dim=64 --mask=causal --block-mask=64,64 | FileCheck %s
// Key blocks of 128, two 64-key tiles each, listed twice: skipped steps in
// pairs.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=block_sparse128 --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=8 --kv-heads=2 --q-len=333 --kv-len=700 --head-dim=128 --mask=causal --block-mask=128,128 --full-blocks --block-duplicates | FileCheck %s
// SPLIT: launch decode grid (1, 2, 12)
// SPLIT: launch decode_merge
// CHECK-NOT: FAIL
// MASKED: fully-masked rows: {{[1-9]}}
// CHECK: PASS

func.func @decode(%q: tensor<?x8x1x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %n: tensor<?xi32>, %o: memref<?x8x1x128xbf16>, %l: memref<?x8x1xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%n)
      : (tensor<?x8x1x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?xi32>) -> (tensor<?x8x1x128xbf16>, tensor<?x8x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xbf16>, memref<?x8x1x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x1xf32>, memref<?x8x1xf32>) -> ()
  return
}

func.func @block_sparse(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %fnb: tensor<1x1x?xi32>, %fidx: tensor<1x1x?x?xi32>, %o: memref<?x4x?x64xbf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 64, 64>, mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> (tensor<?x4x?x64xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @block_sparse_gqa3(%q: tensor<?x3x?x64xf16>, %k: tensor<?x1x?x64xf16>, %v: tensor<?x1x?x64xf16>, %n: tensor<1x1x?xi32>, %i: tensor<1x1x?x?xi32>, %o: memref<?x3x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%n, %i) {block_size = array<i64: 64, 64>, mask = #attn.mask<causal>}
      : (tensor<?x3x?x64xf16>, tensor<?x1x?x64xf16>, tensor<?x1x?x64xf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x3x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x3x?x64xf16>, memref<?x3x?x64xf16>) -> ()
  return
}

func.func @block_sparse128(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %fnb: tensor<1x1x?xi32>, %fidx: tensor<1x1x?x?xi32>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 128, 128>, mask = #attn.mask<causal>}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}
