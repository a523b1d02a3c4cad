// The kernels bench/gpu/device_check.py checks and times on a GPU: every
// variant the GPU path takes, batch and lengths dynamic. Built on a machine
// without a GPU by `make gpu-check-build` (cubin + launcher).

func.func @f16_d128(%q: tensor<?x16x?x128xf16>, %k: tensor<?x16x?x128xf16>, %v: tensor<?x16x?x128xf16>, %o: memref<?x16x?x128xf16>, %l: memref<?x16x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x16x?x128xf16>, memref<?x16x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x16x?xf32>, memref<?x16x?xf32>) -> ()
  return
}

func.func @f16_d128_causal(%q: tensor<?x16x?x128xf16>, %k: tensor<?x16x?x128xf16>, %v: tensor<?x16x?x128xf16>, %o: memref<?x16x?x128xf16>, %l: memref<?x16x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x16x?x128xf16>, memref<?x16x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x16x?xf32>, memref<?x16x?xf32>) -> ()
  return
}

func.func @bf16_d128_gqa_causal(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x32x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x32x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x?x128xbf16>, memref<?x32x?x128xbf16>) -> ()
  return
}

func.func @bf16_d64_window_sinks(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x8x?x64xbf16>, %v: tensor<?x8x?x64xbf16>, %o: memref<?x8x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 128, right = 0, sinks = 4>}
      : (tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>) -> tensor<?x8x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x64xbf16>, memref<?x8x?x64xbf16>) -> ()
  return
}

func.func @f16_d128_sigmoid_causal(%q: tensor<?x8x?x128xf16>, %k: tensor<?x8x?x128xf16>, %v: tensor<?x8x?x128xf16>, %o: memref<?x8x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>) -> tensor<?x8x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  return
}

// GQA 8:2 (heads packed per KV group: per-row slopes).
func.func @f16_d128_softcap_alibi(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %alibi_slopes: tensor<8xf32>, %o: memref<?x8x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) alibi(%alibi_slopes) {softcap = 30.0 : f32}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>, tensor<8xf32>) -> tensor<?x8x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  return
}

func.func @bf16_d128_decode_ragged(%q: tensor<?x32x1x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %kv_lengths: tensor<?xi32>, %o: memref<?x32x1x128xbf16>, %l: memref<?x32x1xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) kv_lengths(%kv_lengths)
      : (tensor<?x32x1x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?xi32>) -> (tensor<?x32x1x128xbf16>, tensor<?x32x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x32x1xf32>, memref<?x32x1xf32>) -> ()
  return
}

func.func @f16_d256_causal(%q: tensor<?x4x?x256xf16>, %k: tensor<?x4x?x256xf16>, %v: tensor<?x4x?x256xf16>, %o: memref<?x4x?x256xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x256xf16>, tensor<?x4x?x256xf16>, tensor<?x4x?x256xf16>) -> tensor<?x4x?x256xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x256xf16>, memref<?x4x?x256xf16>) -> ()
  return
}

// DuoAttention: heads 0 and 2 stream (4 sinks + 64 recent keys), 1 and 3 see
// everything before them.
func.func @f16_d64_duo(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>, %v: tensor<?x4x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 64, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<window left = 64, right = 0, sinks = 4>, #attn.mask<causal>]}
      : (tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

// GQA 4:2 with a bias per head (heads packed: the bias gathered per row).
func.func @f16_d64_bias(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %bias: tensor<?x4x?x?xf16>, %o: memref<?x4x?x64xf32>) {
  %out = attn.attention(%q, %k, %v) bias(%bias)
      : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x4x?x?xf16>) -> tensor<?x4x?x64xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  return
}

// Selective Attention's per-query temperature (batch extent 1), GQA 8:2,
// causal.
func.func @bf16_d64_temperature_gqa(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %temperature: tensor<1x8x?xf32>, %o: memref<?x8x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) temperature(%temperature) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x?xf32>) -> tensor<?x8x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x64xbf16>, memref<?x8x?x64xbf16>) -> ()
  return
}

// FlexAttention's BlockMask: partial blocks take the causal mask, full
// blocks none, unlisted blocks are skipped. GQA 8:2, lists shared by the
// heads (batch and head extents 1: the heads of a group stay packed).
func.func @bf16_d128_block_sparse_gqa(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %kv_num_blocks: tensor<1x1x?xi32>, %kv_indices: tensor<1x1x?x?xi32>, %full_kv_num_blocks: tensor<1x1x?xi32>, %full_kv_indices: tensor<1x1x?x?xi32>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%kv_num_blocks, %kv_indices) full_blocks(%full_kv_num_blocks, %full_kv_indices) {block_size = array<i64: 128, 128>, mask = #attn.mask<causal>}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}

// Sigmoid + causal + block-sparse, lists per batch row and head.
func.func @f16_d64_sigmoid_block_sparse(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>, %v: tensor<?x4x?x64xf16>, %kv_num_blocks: tensor<?x4x?xi32>, %kv_indices: tensor<?x4x?x?xi32>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) blocks(%kv_num_blocks, %kv_indices) {block_size = array<i64: 64, 64>, mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?xi32>, tensor<?x4x?x?xi32>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

// An additive bias with ragged rows: the bias keeps the layout's Lk per row.
func.func @f16_d64_bias_ragged(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>, %v: tensor<?x4x?x64xf16>, %bias: tensor<?x4x?x?xf16>, %kv_lengths: tensor<?xi32>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) bias(%bias) kv_lengths(%kv_lengths)
      : (tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x?xf16>, tensor<?xi32>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

// Documents of 96 tokens under a causal mask, static shapes: make
// gpu-check-build runs attn-build-block-mask first, which computes the
// block lists at compile time; the kernel reads them as constants.
func.func @f16_d64_static_docs(%q: tensor<2x4x256x64xf16>, %k: tensor<2x2x256x64xf16>, %v: tensor<2x2x256x64xf16>, %o: memref<2x4x256x64xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c96 = arith.constant 96 : index
    %di = arith.divui %i, %c96 : index
    %dj = arith.divui %j, %c96 : index
    %r = arith.cmpi eq, %di, %dj : index
    attn.yield %r : i1
  } : (tensor<2x4x256x64xf16>, tensor<2x2x256x64xf16>, tensor<2x2x256x64xf16>) -> tensor<2x4x256x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<2x4x256x64xf16>, memref<2x4x256x64xf16>) -> ()
  return
}

// Hydragen decode: a prompt shared by every row, then per-row suffixes
// (GQA 32:8): one kernel per segment, merged exactly.
func.func @bf16_d128_hydragen_decode(%q: tensor<?x32x1x128xbf16>, %k0: tensor<1x8x?x128xbf16>, %k1: tensor<?x8x?x128xbf16>, %v0: tensor<1x8x?x128xbf16>, %v1: tensor<?x8x?x128xbf16>, %o: memref<?x32x1x128xbf16>, %l: memref<?x32x1xf32>) {
  %out, %lse = attn.prefix_attention(%q) keys(%k0, %k1) values(%v0, %v1)
      {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>}
      : (tensor<?x32x1x128xbf16>, tensor<1x8x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<1x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> (tensor<?x32x1x128xbf16>, tensor<?x32x1xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x32x1xf32>, memref<?x32x1xf32>) -> ()
  return
}
