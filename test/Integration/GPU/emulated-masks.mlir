// The GPU kernels run on the CPU through the CUDA emulator (threads as fibers,
// tensor-core fragments, cp.async landing at its wait) and the real C
// launcher, against the float64 reference: masks. Causal with an LSE over
// lengths that are not tile multiples, Lq < Lk, Lq > Lk (rows that see no key:
// 0 and LSE -inf); forced key chunks (split-KV and the merge kernel); the
// adversarial schedule (one warp ahead of the others, copies landing early).
// RUN: attune-compile %s --target=cuda --emulate -o %t.so --header %t.h
// RUN: %clang -shared -fPIC -o %t.launcher.so %t_launcher.c -ldl -lpthread
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=128 --mask=causal --lse | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=130 --kv-len=203 --head-dim=128 --mask=causal --lse | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=300 --kv-len=77 --head-dim=128 --mask=causal --lse | FileCheck %s --check-prefixes=CHECK,MASKED
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=3 ATTUNE_EMULATOR_TRACE=1 attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=100 --kv-len=1100 --head-dim=128 --mask=causal --lse 2>&1 | FileCheck %s --check-prefixes=SPLIT,CHECK
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_SCHEDULE=warp-ahead ATTUNE_EMULATOR_COPIES=early attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=257 --kv-len=257 --head-dim=128 --mask=causal --lse | FileCheck %s
// GQA 4:1 (heads packed per KV group), sliding window with sink tokens, bf16.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=window_sinks --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=333 --kv-len=333 --head-dim=64 --mask=window:128,0,4 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=window_sinks --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=4 --kv-heads=1 --q-len=1 --kv-len=500 --head-dim=64 --mask=window:128,0,4 | FileCheck %s
// A two-sided window and Dv != D.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=two_sided --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=200 --kv-len=150 --head-dim=80 --value-dim=32 --mask=window:37,5 | FileCheck %s
// DuoAttention: streaming heads (4 sinks + 64 recent keys) beside causal ones.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=duo --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=4 --kv-heads=4 --q-len=300 --kv-len=300 --head-dim=64 "--head-masks=window:64,0,4;causal;window:64,0,4;causal" | FileCheck %s
// SPLIT: launch causal grid (2, 2, 3)
// SPLIT: launch causal_merge
// Head dims that are multiples of 8, not 16 (Stable Diffusion's 40, DiT's
// 72, D = 24 with Dv = 56, 136): shared rows zero-padded to whole k-steps.
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=d40 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=8 --kv-heads=8 --q-len=130 --kv-len=140 --head-dim=40 --mask=causal --lse | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=d72_gqa --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=77 --kv-len=300 --head-dim=72 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_SCHEDULE=warp-ahead ATTUNE_EMULATOR_COPIES=early attune-runner %s --entry=d24_dv56 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=100 --kv-len=100 --head-dim=24 --value-dim=56 --mask=window:30,3,2 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=3 attune-runner %s --entry=d136 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=1 --kv-len=700 --head-dim=136 --mask=causal | FileCheck %s
// CHECK-NOT: FAIL
// MASKED: fully-masked rows: {{[1-9]}}
// CHECK: PASS

func.func @causal(%q: tensor<?x2x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %o: memref<?x2x?x128xf16>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>) -> (tensor<?x2x?x128xf16>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x128xf16>, memref<?x2x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

func.func @window_sinks(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x1x?x64xbf16>, %v: tensor<?x1x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 128, right = 0, sinks = 4>}
      : (tensor<?x4x?x64xbf16>, tensor<?x1x?x64xbf16>, tensor<?x1x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

func.func @two_sided(%q: tensor<?x2x?x80xbf16>, %k: tensor<?x2x?x80xbf16>, %v: tensor<?x2x?x32xbf16>, %o: memref<?x2x?x32xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 37, right = 5>}
      : (tensor<?x2x?x80xbf16>, tensor<?x2x?x80xbf16>, tensor<?x2x?x32xbf16>) -> tensor<?x2x?x32xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x32xbf16>, memref<?x2x?x32xbf16>) -> ()
  return
}

func.func @duo(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>, %v: tensor<?x4x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 64, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<window left = 64, right = 0, sinks = 4>, #attn.mask<causal>]}
      : (tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

func.func @d40(%q: tensor<?x8x?x40xf16>, %k: tensor<?x8x?x40xf16>, %v: tensor<?x8x?x40xf16>, %o: memref<?x8x?x40xf16>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x40xf16>, tensor<?x8x?x40xf16>, tensor<?x8x?x40xf16>) -> (tensor<?x8x?x40xf16>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x40xf16>, memref<?x8x?x40xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}

func.func @d72_gqa(%q: tensor<?x4x?x72xbf16>, %k: tensor<?x2x?x72xbf16>, %v: tensor<?x2x?x72xbf16>, %o: memref<?x4x?x72xbf16>) {
  %out = attn.attention(%q, %k, %v)
      : (tensor<?x4x?x72xbf16>, tensor<?x2x?x72xbf16>, tensor<?x2x?x72xbf16>) -> tensor<?x4x?x72xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x72xbf16>, memref<?x4x?x72xbf16>) -> ()
  return
}

func.func @d24_dv56(%q: tensor<?x2x?x24xf16>, %k: tensor<?x2x?x24xf16>, %v: tensor<?x2x?x56xf16>, %o: memref<?x2x?x56xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 30, right = 3, sinks = 2>}
      : (tensor<?x2x?x24xf16>, tensor<?x2x?x24xf16>, tensor<?x2x?x56xf16>) -> tensor<?x2x?x56xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x56xf16>, memref<?x2x?x56xf16>) -> ()
  return
}

func.func @d136(%q: tensor<?x2x?x136xf16>, %k: tensor<?x2x?x136xf16>, %v: tensor<?x2x?x136xf16>, %o: memref<?x2x?x136xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x2x?x136xf16>, tensor<?x2x?x136xf16>, tensor<?x2x?x136xf16>) -> tensor<?x2x?x136xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x136xf16>, memref<?x2x?x136xf16>) -> ()
  return
}
