// The configurations the GPU path ships, one kernel each: head dims 64, 128
// and 256, f16 and bf16, masks, GQA, modifiers, sigmoid, ragged keys.

func.func @f16_d64(%q: tensor<?x8x?x64xf16>, %k: tensor<?x8x?x64xf16>, %v: tensor<?x8x?x64xf16>, %o: memref<?x8x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>) -> tensor<?x8x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x64xf16>, memref<?x8x?x64xf16>) -> ()
  return
}

func.func @f16_d128_causal_lse(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %o: memref<?x8x?x128xf16>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>) -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}

func.func @bf16_d128_gqa_sinks_window(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 256, right = 0, sinks = 4>}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}

func.func @bf16_d128_sigmoid_causal(%q: tensor<?x4x?x128xbf16>, %k: tensor<?x4x?x128xbf16>, %v: tensor<?x4x?x128xbf16>, %o: memref<?x4x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>) -> tensor<?x4x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x128xbf16>, memref<?x4x?x128xbf16>) -> ()
  return
}

func.func @f16_d128_softcap_alibi(%q: tensor<?x4x?x128xf16>, %k: tensor<?x4x?x128xf16>, %v: tensor<?x4x?x128xf16>, %s: tensor<4xf32>, %o: memref<?x4x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) alibi(%s) {softcap = 30.0 : f32}
      : (tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<4xf32>) -> tensor<?x4x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x128xf16>, memref<?x4x?x128xf16>) -> ()
  return
}

func.func @f16_d128_ragged_decode(%q: tensor<?x8x1x128xf16>, %k: tensor<?x1x?x128xf16>, %v: tensor<?x1x?x128xf16>, %n: tensor<?xi32>, %o: memref<?x8x1x128xf16>) {
  %out = attn.attention(%q, %k, %v) kv_lengths(%n)
      : (tensor<?x8x1x128xf16>, tensor<?x1x?x128xf16>, tensor<?x1x?x128xf16>, tensor<?xi32>) -> tensor<?x8x1x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x1x128xf16>, memref<?x8x1x128xf16>) -> ()
  return
}

func.func @bf16_d256(%q: tensor<?x2x?x256xbf16>, %k: tensor<?x2x?x256xbf16>, %v: tensor<?x2x?x256xbf16>, %o: memref<?x2x?x256xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x2x?x256xbf16>, tensor<?x2x?x256xbf16>, tensor<?x2x?x256xbf16>) -> tensor<?x2x?x256xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x256xbf16>, memref<?x2x?x256xbf16>) -> ()
  return
}
