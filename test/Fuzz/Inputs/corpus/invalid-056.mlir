func.func @yield_outside(%x: f32) {
  attn.yield %x : f32
}
