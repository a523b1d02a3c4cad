// Prefix-shared attention (Hydragen) on the GPU kernels, run by the CUDA
// emulator through the launcher against the float64 reference over the
// concatenated KV: one attention kernel per segment (a shared segment read
// by every row, a per-row one, a tree level shared by pairs of rows), each
// writing its slot of the workspace, merged exactly by the merge kernel.
// Decode with a causal mask (every segment but the last visible whole),
// ragged suffixes (a row with none), a three-level tree, and prefill without
// a mask, also under the adversarial schedule; causal prefill, where an
// earlier segment is partly hidden (the mask evaluated at its keys'
// positions in the concatenation), with a short suffix, a long one, and a
// tree; sink tokens with a window (the sinks sit in the first segment);
// sigmoid attention (bias -log of the concatenation's length, parts summed)
// and DuoAttention's per-head masks, prefill and decode; and each of those
// with ragged suffixes, where every row's concatenation has its own length
// (rows shorter than the queries, a row without suffix, a negative length).
// RUN: attune-compile %s --target=cuda --emulate -o %t.so --header %t.h
// RUN: %clang -shared -fPIC -o %t.launcher.so %t_launcher.c -ldl -lpthread
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_TRACE=1 attune-runner %s --entry=decode --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=6 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:300;per_row:37' 2>&1 | FileCheck %s --check-prefixes=LAUNCH,CHECK
// Stacked rows over two tiles (20 rows x 4 heads), the prompt in key chunks:
// forced (3), and chosen by the launcher (2: at least 512 keys a chunk).
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=3 ATTUNE_EMULATOR_TRACE=1 attune-runner %s --entry=decode --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=20 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:1500;per_row:37' 2>&1 | FileCheck %s --check-prefixes=CHUNKS,CHECK
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_TRACE=1 attune-runner %s --entry=decode --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=3 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=128 --mask=causal --lse '--segments=shared:1100;per_row:5' 2>&1 | FileCheck %s --check-prefixes=AUTO,CHECK
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=100 --head-dim=64 --mask=causal --lse '--segments=shared:70;per_row:30' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=150 --head-dim=64 --mask=causal --lse '--segments=shared:300;per_row:5' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_SCHEDULE=warp-ahead ATTUNE_EMULATOR_COPIES=early attune-runner %s --entry=causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=10 --head-dim=64 --mask=causal --lse '--segments=shared:64;per_row:200' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sinks_window --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=120 --head-dim=64 --mask=window:50,0,4 '--segments=shared:100;per_row:80' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sinks_window --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=3 --q-heads=4 --kv-heads=4 --q-len=1 --head-dim=64 --mask=window:50,0,4 '--segments=shared:300;per_row:20' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=tree_causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=4 --q-heads=4 --kv-heads=2 --q-len=9 --head-dim=64 --mask=causal --lse '--segments=shared:20;rows=0/0/1/1:4;per_row:3' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sigmoid --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=90 --head-dim=64 --mask=causal --norm=sigmoid '--segments=shared:120;per_row:40' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sigmoid --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=1 --head-dim=64 --mask=causal --norm=sigmoid '--segments=shared:700;per_row:3' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=duo --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=70 --head-dim=64 --lse '--head-masks=window:40,0,4;causal;window:40,0,4;causal' '--segments=shared:100;per_row:50' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=duo --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=1 --head-dim=64 --lse '--head-masks=window:40,0,4;causal;window:40,0,4;causal' '--segments=shared:300;per_row:10' | FileCheck %s
// Per-head masks that pack the GQA group's heads (window + sinks for heads 0
// and 1, causal for 2 and 3), D = 40, and sinks split across segments (the
// first segment shorter than the 4 sinks).
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=duo_gqa_d40 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=90 --head-dim=40 --lse '--head-masks=window:40,0,4;window:40,0,4;causal;causal' '--segments=shared:3;per_row:150' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=duo_gqa_d40 --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1 --head-dim=40 --lse '--head-masks=window:40,0,4;window:40,0,4;causal;causal' '--segments=shared:2;per_row:300' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=sinks_window --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=100 --head-dim=64 --mask=window:50,0,4 '--segments=shared:3;per_row:200' | FileCheck %s
// CHUNKS: launch decode grid (2, 2, 3)
// CHUNKS: launch decode_merge grid (80, 1, 1)
// AUTO: launch decode grid (1, 2, 2)
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=ragged --cuda-launcher=%t.launcher.so --dtype=f16 --batch=4 --q-heads=8 --kv-heads=2 --q-len=1 --head-dim=64 --mask=causal --lse '--segments=shared:150;per_row:40' --kv-lengths=40,0,17,99 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=ragged_causal --cuda-launcher=%t.launcher.so --dtype=f16 --batch=4 --q-heads=4 --kv-heads=2 --q-len=100 --head-dim=64 --mask=causal --lse '--segments=shared:70;per_row:130' --kv-lengths=130,0,17,99 | FileCheck %s --check-prefixes=CHECK,MASKED
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_SCHEDULE=warp-ahead attune-runner %s --entry=ragged_sinks_window --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=3 --q-heads=4 --kv-heads=4 --q-len=120 --head-dim=64 --mask=window:50,0,4 '--segments=shared:100;per_row:80' --kv-lengths=80,5,41 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=ragged_sigmoid --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=90 --head-dim=64 --mask=causal --norm=sigmoid '--segments=shared:120;per_row:40' --kv-lengths=40,3,-2 | FileCheck %s
// Decode: the shared prompt is not stacked here (each row's bias differs).
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=ragged_sigmoid --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=2 --q-len=1 --head-dim=64 --mask=causal --norm=sigmoid '--segments=shared:120;per_row:40' --kv-lengths=0,6,3 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_KV_SPLITS=2 attune-runner %s --entry=ragged_duo --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=1 --head-dim=64 --lse '--head-masks=window:40,0,4;causal;window:40,0,4;causal' '--segments=shared:300;per_row:10' --kv-lengths=7,10 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=ragged_duo --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=70 --head-dim=64 --lse '--head-masks=window:40,0,4;causal;window:40,0,4;causal' '--segments=shared:100;per_row:50' --kv-lengths=50,20 | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=tree --cuda-launcher=%t.launcher.so --dtype=bf16 --batch=4 --q-heads=4 --kv-heads=2 --q-len=3 --head-dim=64 --lse '--segments=shared:90;rows=0/0/1/1:70;per_row:33' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator attune-runner %s --entry=prefill --cuda-launcher=%t.launcher.so --dtype=f16 --batch=3 --q-heads=4 --kv-heads=4 --q-len=150 --head-dim=128 --softcap=30 '--segments=shared:200;per_row:77' | FileCheck %s
// RUN: env LD_LIBRARY_PATH=%cuda_emulator ATTUNE_EMULATOR_SCHEDULE=warp-ahead ATTUNE_EMULATOR_COPIES=early attune-runner %s --entry=prefill --cuda-launcher=%t.launcher.so --dtype=f16 --batch=2 --q-heads=4 --kv-heads=4 --q-len=70 --head-dim=128 --softcap=30 '--segments=shared:130;per_row:1' | FileCheck %s
// The shared prompt: the 6 rows x 4 heads of a KV group stacked into one
// tile (the prompt read once for all rows); the suffixes: a block per row.
// LAUNCH: launch decode grid (1, 2, 1)
// LAUNCH-NEXT: launch decode_segment1 grid (1, 2, 6)
// LAUNCH: launch decode_merge
// CHECK-NOT: FAIL
// MASKED: fully-masked rows: {{[1-9]}}
// CHECK: PASS

func.func @decode(%q: tensor<?x8x1x128xbf16>,
                  %kp: tensor<1x2x?x128xbf16>, %ks: tensor<?x2x?x128xbf16>,
                  %vp: tensor<1x2x?x128xbf16>, %vs: tensor<?x2x?x128xbf16>,
                  %o: memref<?x8x1x128xbf16>, %l: memref<?x8x1xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>],
       mask = #attn.mask<causal>}
      : (tensor<?x8x1x128xbf16>, tensor<1x2x?x128xbf16>, tensor<?x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
      -> (tensor<?x8x1x128xbf16>, tensor<?x8x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xbf16>, memref<?x8x1x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x1xf32>, memref<?x8x1xf32>) -> ()
  return
}

func.func @ragged(%q: tensor<?x8x1x64xf16>, %kp: tensor<1x2x?x64xf16>, %ks: tensor<?x2x?x64xf16>, %vp: tensor<1x2x?x64xf16>, %vs: tensor<?x2x?x64xf16>, %n: tensor<?xi32>, %o: memref<?x8x1x64xf16>, %l: memref<?x8x1xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<?x8x1x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?xi32>) -> (tensor<?x8x1x64xf16>, tensor<?x8x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x64xf16>, memref<?x8x1x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x1xf32>, memref<?x8x1xf32>) -> ()
  return
}

func.func @tree(%q: tensor<4x4x3x64xbf16>, %k0: tensor<1x2x?x64xbf16>, %k1: tensor<2x2x?x64xbf16>, %k2: tensor<4x2x?x64xbf16>, %v0: tensor<1x2x?x64xbf16>, %v1: tensor<2x2x?x64xbf16>, %v2: tensor<4x2x?x64xbf16>, %o: memref<4x4x3x64xbf16>, %l: memref<4x4x3xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%k0, %k1, %k2) values(%v0, %v1, %v2)
      {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>]}
      : (tensor<4x4x3x64xbf16>, tensor<1x2x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<4x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<4x2x?x64xbf16>) -> (tensor<4x4x3x64xbf16>, tensor<4x4x3xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<4x4x3x64xbf16>, memref<4x4x3x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<4x4x3xf32>, memref<4x4x3xf32>) -> ()
  return
}

func.func @prefill(%q: tensor<?x4x?x128xf16>, %kp: tensor<1x4x?x128xf16>, %ks: tensor<?x4x?x128xf16>, %vp: tensor<1x4x?x128xf16>, %vs: tensor<?x4x?x128xf16>, %o: memref<?x4x?x128xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], softcap = 30.0 : f32}
      : (tensor<?x4x?x128xf16>, tensor<1x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<1x4x?x128xf16>, tensor<?x4x?x128xf16>) -> tensor<?x4x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x128xf16>, memref<?x4x?x128xf16>) -> ()
  return
}

func.func @causal(%q: tensor<?x4x?x64xf16>, %kp: tensor<1x2x?x64xf16>, %ks: tensor<?x2x?x64xf16>, %vp: tensor<1x2x?x64xf16>, %vs: tensor<?x2x?x64xf16>, %o: memref<?x4x?x64xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @sinks_window(%q: tensor<?x4x?x64xbf16>, %kp: tensor<1x4x?x64xbf16>, %ks: tensor<?x4x?x64xbf16>, %vp: tensor<1x4x?x64xbf16>, %vs: tensor<?x4x?x64xbf16>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<window left = 50, right = 0, sinks = 4>}
      : (tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

func.func @tree_causal(%q: tensor<4x4x9x64xf16>, %k0: tensor<1x2x?x64xf16>, %k1: tensor<2x2x?x64xf16>, %k2: tensor<4x2x?x64xf16>, %v0: tensor<1x2x?x64xf16>, %v1: tensor<2x2x?x64xf16>, %v2: tensor<4x2x?x64xf16>, %o: memref<4x4x9x64xf16>, %l: memref<4x4x9xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%k0, %k1, %k2) values(%v0, %v1, %v2)
      {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<4x4x9x64xf16>, tensor<1x2x?x64xf16>, tensor<2x2x?x64xf16>, tensor<4x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<2x2x?x64xf16>, tensor<4x2x?x64xf16>) -> (tensor<4x4x9x64xf16>, tensor<4x4x9xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<4x4x9x64xf16>, memref<4x4x9x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<4x4x9xf32>, memref<4x4x9xf32>) -> ()
  return
}

func.func @sigmoid(%q: tensor<?x4x?x64xf16>, %kp: tensor<1x2x?x64xf16>, %ks: tensor<?x2x?x64xf16>, %vp: tensor<1x2x?x64xf16>, %vs: tensor<?x2x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

func.func @duo(%q: tensor<?x4x?x64xbf16>, %kp: tensor<1x4x?x64xbf16>, %ks: tensor<?x4x?x64xbf16>, %vp: tensor<1x4x?x64xbf16>, %vs: tensor<?x4x?x64xbf16>, %o: memref<?x4x?x64xbf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], head_masks = [#attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<causal>]}
      : (tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>) -> (tensor<?x4x?x64xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @duo_gqa_d40(%q: tensor<?x4x?x40xf16>, %kp: tensor<1x2x?x40xf16>, %ks: tensor<?x2x?x40xf16>, %vp: tensor<1x2x?x40xf16>, %vs: tensor<?x2x?x40xf16>, %o: memref<?x4x?x40xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], head_masks = [#attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<causal>]}
      : (tensor<?x4x?x40xf16>, tensor<1x2x?x40xf16>, tensor<?x2x?x40xf16>, tensor<1x2x?x40xf16>, tensor<?x2x?x40xf16>) -> (tensor<?x4x?x40xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x40xf16>, memref<?x4x?x40xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @ragged_causal(%q: tensor<?x4x?x64xf16>, %kp: tensor<1x2x?x64xf16>, %ks: tensor<?x2x?x64xf16>, %vp: tensor<1x2x?x64xf16>, %vs: tensor<?x2x?x64xf16>, %n: tensor<?xi32>, %o: memref<?x4x?x64xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?xi32>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @ragged_sinks_window(%q: tensor<?x4x?x64xbf16>, %kp: tensor<1x4x?x64xbf16>, %ks: tensor<?x4x?x64xbf16>, %vp: tensor<1x4x?x64xbf16>, %vs: tensor<?x4x?x64xbf16>, %n: tensor<?xi32>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<window left = 50, right = 0, sinks = 4>}
      : (tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<?xi32>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

func.func @ragged_sigmoid(%q: tensor<?x4x?x64xf16>, %kp: tensor<1x2x?x64xf16>, %ks: tensor<?x2x?x64xf16>, %vp: tensor<1x2x?x64xf16>, %vs: tensor<?x2x?x64xf16>, %n: tensor<?xi32>, %o: memref<?x4x?x64xf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?xi32>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

func.func @ragged_duo(%q: tensor<?x4x?x64xbf16>, %kp: tensor<1x4x?x64xbf16>, %ks: tensor<?x4x?x64xbf16>, %vp: tensor<1x4x?x64xbf16>, %vs: tensor<?x4x?x64xbf16>, %n: tensor<?xi32>, %o: memref<?x4x?x64xbf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], head_masks = [#attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<window left = 40, right = 0, sinks = 4>, #attn.mask<causal>]}
      : (tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<?xi32>) -> (tensor<?x4x?x64xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
