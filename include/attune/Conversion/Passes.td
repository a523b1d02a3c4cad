//===- Passes.td - passes that leave the attn dialect ------*- tablegen -*-===//

#ifndef ATTUNE_CONVERSION_PASSES_TD
#define ATTUNE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower attn ops to the reference linalg form (materialized scores)";
  let description = [{
    The executable definition of the attn dialect's semantics: every attn op
    becomes plain `linalg.generic`s on tensors that materialize the full score
    matrix `[B, Hq, Lq, Lk]` in f32, apply score modifiers and the mask
    elementwise, normalize, and multiply by V. Slow (O(Lq * Lk) memory) and
    obviously right; it is the oracle every fast path is tested against.

    Before:

    ```mlir
    %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
        : (tensor<1x2x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>)
        -> tensor<1x2x4x8xf32>
    ```

    After (abridged):

    ```mlir
    %kx = linalg.generic ... // K gathered per query head: [B, Hq, Lk, D] f32
    %s = linalg.generic ...  // s[b,h,i,j] = sum_d q[b,h,i,d] * kx[b,h,j,d]
    %t, %vis = linalg.generic ... // scale, modifiers; visibility mask (i1)
    %m = linalg.generic ...  // m = max over visible j (-inf if none)
    %p = linalg.generic ...  // p = visible ? exp(t - m) : 0;  l = sum_j p
    %o = linalg.generic ...  // o = l == 0 ? 0 : (p @ vx) / l
    ```

    `attn.prefix_attention` is first expressed as `attn.attention` over the
    concatenated KV of each row; `attn.merge` becomes one elementwise generic.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // ATTUNE_CONVERSION_PASSES_TD
