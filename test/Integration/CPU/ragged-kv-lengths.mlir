// A ragged batch (kv_lengths, FlashAttention's seqused_k): row b has only its
// first clamp(kv_lengths[b], 0, Lk) keys, and masks align to that length.
// Lengths cover a partial row, an empty row (output 0, LSE -inf), a row past
// Lk (clamped) and a full one. Fused (both kernel forms, split-KV) and
// reference pipelines against float64.
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=5 --kv-len=200 --head-dim=32 --mask=causal --lse --kv-lengths=150,0,260,200 --pipeline=fused --entry=causal | FileCheck %s
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=5 --kv-len=200 --head-dim=32 --mask=causal --lse --kv-lengths=150,0,260,200 --pipeline=reference --entry=causal | FileCheck %s
// Decode (the row kernel), bf16, with split-KV chunks cut at each row's end.
// RUN: attune-runner %s --dtype=bf16 --batch=4 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=9000 --head-dim=32 --mask=causal --lse --kv-lengths=8999,1,4500,0 --pipeline=fused --fused-options=kv-splits=4 --entry=causal_bf16 | FileCheck %s
// Sliding window with sinks, aligned to each row's end.
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=7 --kv-len=300 --head-dim=32 --mask=window:40,0,4 --lse --kv-lengths=290,3,100,300 --pipeline=fused --entry=window | FileCheck %s
// Sigmoid: the default bias is -log of each row's length.
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=3 --kv-len=120 --head-dim=32 --norm=sigmoid --mask=causal --kv-lengths=100,0,7,120 --pipeline=fused --entry=sigmoid | FileCheck %s --check-prefix=SIG
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=3 --kv-len=120 --head-dim=32 --norm=sigmoid --mask=causal --kv-lengths=100,0,7,120 --pipeline=fused --c-abi --entry=sigmoid | FileCheck %s --check-prefix=SIG
// CHECK: fully-masked rows: {{[1-9]}}
// CHECK: PASS
// SIG: PASS

func.func @causal(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %n: tensor<?xi32>,
    %o: memref<?x4x?x32xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?xi32>) -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf32>, memref<?x4x?x32xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @causal_bf16(%q: tensor<?x4x?x32xbf16>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>, %n: tensor<?xi32>,
    %o: memref<?x4x?x32xbf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?xi32>) -> (tensor<?x4x?x32xbf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xbf16>, memref<?x4x?x32xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @window(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %n: tensor<?xi32>,
    %o: memref<?x4x?x32xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<window left = 40, right = 0, sinks = 4>}
      : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?xi32>) -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf32>, memref<?x4x?x32xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @sigmoid(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %n: tensor<?xi32>,
    %o: memref<?x4x?x32xf32>) {
  %out = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?xi32>) -> tensor<?x4x?x32xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf32>, memref<?x4x?x32xf32>) -> ()
  return
}

// An additive bias [B, Hq, Lq, Lk] with ragged rows: the bias keeps the
// layout's Lk per row (only the keys past a row's length are hidden), both
// kernel forms.
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=5 --kv-len=200 --head-dim=32 --bias=4x4 --lse --kv-lengths=150,0,260,37 --pipeline=fused --entry=biased | FileCheck %s
// RUN: attune-runner %s --batch=4 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=200 --head-dim=32 --bias=4x4 --lse --kv-lengths=150,0,260,37 --pipeline=fused --entry=biased | FileCheck %s
func.func @biased(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %bias: tensor<?x4x?x?xf32>, %n: tensor<?xi32>, %o: memref<?x4x?x32xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) bias(%bias) kv_lengths(%n)
      : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x4x?x?xf32>, tensor<?xi32>) -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf32>, memref<?x4x?x32xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}
