// The checker must be able to fail: the kernel below uses a window of 3 while
// the flags describe a window of 4, a causal mask, and no mask; each mismatch
// is reported. Also, a call whose flags contradict the signature is refused.
// RUN: not attune-runner %s --batch=1 --q-heads=2 --q-len=11 --head-dim=16 --mask=window:4,0 | FileCheck %s --check-prefix=WINDOW
// RUN: not attune-runner %s --batch=1 --q-heads=2 --q-len=11 --head-dim=16 --mask=causal | FileCheck %s --check-prefix=WINDOW
// RUN: not attune-runner %s --batch=1 --q-heads=2 --q-len=11 --head-dim=16 | FileCheck %s --check-prefix=WINDOW
// RUN: not attune-runner %s --batch=1 --q-heads=2 --q-len=11 --head-dim=16 --mask=window:3,0 --lse 2>&1 | FileCheck %s --check-prefix=SIGNATURE
// RUN: attune-runner %s --batch=1 --q-heads=2 --q-len=11 --head-dim=16 --mask=window:3,0 | FileCheck %s --check-prefix=OK
// WINDOW: FAIL: output: max_err exceeds the bound
// SIGNATURE: has 4 arguments
// OK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 3, right = 0>}
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}
