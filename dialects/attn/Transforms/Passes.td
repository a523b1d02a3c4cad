//===- Passes.td - rewrites inside the attn dialect --------*- tablegen -*-===//

#ifndef ATTN_TRANSFORMS_PASSES_TD
#define ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeSharedPrefix : Pass<"attn-decompose-shared-prefix"> {
  let summary = "Hydragen: attend each shared KV segment once, with the "
                "queries of every row that reads it stacked, and merge exactly";
  let description = [{
    Rewrites `attn.prefix_attention` into one `attn.attention` per KV segment
    instance and an `attn.merge` of their f32 results. Softmax over the
    concatenation of disjoint key sets equals the LSE-weighted merge of the
    softmaxes over each set (sigmoid attention: their plain sum), so the
    rewrite is exact:

    ```
    O = sum_s w_s O_s / sum_s w_s,  w_s = exp(lse_s - max_t lse_t)
    ```

    A segment read by several rows (`shared`, or one instance of a `rows`
    segment: tree sharing) is attended once with the queries of all those rows
    stacked along the query axis, `[1, Hq, rows * Lq, D]`: where the original
    problem was `B` matrix-vector products over the prefix (decode), it
    becomes one matrix-matrix product, and the prefix is read once instead of
    `B` times. `per_row` segments stay batched as they are.

    Masks are positioned on the concatenation, so each part gets the mask its
    keys see: none where the segment is visible to every query (a prefix
    under a causal mask whose later segments are at least `Lq - 1` long, or
    any decode step), the op's own mask on the last segment, and otherwise a
    `mask_mod` region evaluating the original mask at the key's position in
    the concatenation (and the query's position in its own row). Sigmoid
    attention keeps the bias of the whole problem, `-log(sum_s L_s)`.

    With ragged suffixes (`suffix_lengths`) the last part takes them as
    `kv_lengths`; the earlier parts must then be visible whole to every query
    whatever the suffix lengths (decode, or no mask), since their position
    relative to the end of the row differs per row. Otherwise the op is left
    as it is (and lowers over the concatenation, exactly).

    Before:

    ```mlir
    %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
        {segments = [#attn.segment<shared>, #attn.segment<per_row>],
         mask = #attn.mask<causal>}
        : (tensor<?x32x1x128xf32>, tensor<1x8x?x128xf32>,
           tensor<?x8x?x128xf32>, tensor<1x8x?x128xf32>,
           tensor<?x8x?x128xf32>) -> tensor<?x32x1x128xf32>
    ```

    After (abridged):

    ```mlir
    %qt = linalg.transpose ins(%q) ... permutation = [1, 0, 2, 3]
    %qs = tensor.collapse_shape / expand_shape ... : tensor<1x32x?x128xf32>
    %op, %lp = attn.attention(%qs, %kp, %vp) : ... tensor<1x32x?x128xf32> ...
    ...                                          // unstack to [B, Hq, Lq, Dv]
    %os, %ls = attn.attention(%q, %ks, %vs) {mask = #attn.mask<causal>} ...
    %o = attn.merge(%o0, %os) lse(%l0, %ls) : ... -> tensor<?x32x1x128xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RaiseSharedPrefix : Pass<"attn-raise-shared-prefix"> {
  let summary = "Turn attention over a batch-broadcast prefix concatenated "
                "with per-row keys into attn.prefix_attention";
  let description = [{
    Models that share a prompt between the rows of a batch build each row's
    keys and values as the prompt's, broadcast over the batch, followed by
    the row's own. This pass finds `attn.attention` whose key and value are
    `tensor.concat` along the key axis (dim 2) of parts, and states each part
    that repeats one instance over the batch in both K and V (a
    `linalg.broadcast` over dim 0 of a `[H, L, D]` tensor, or a
    `linalg.generic` copying row 0 of a `[1, H, L, D]` tensor to every row)
    as a `shared` segment; every other part becomes a `per_row` segment.
    `attn-decompose-shared-prefix` then reads each shared part once for all
    rows.

    Left untouched: attention with modifiers prefix attention lacks (ALiBi,
    bias, temperature, block lists, regions), K and V concatenated
    differently, and concatenations with no part shared by the batch (a
    prefix that differs between rows). A part broadcast in K but not in V is
    per-row.

    Before:

    ```mlir
    %kb = linalg.broadcast ins(%kp : tensor<8x512x64xf32>)
        outs(%e : tensor<4x8x512x64xf32>) dimensions = [0]
    %k = tensor.concat dim(2) %kb, %ks
        : (tensor<4x8x512x64xf32>, tensor<4x8x?x64xf32>) -> tensor<4x8x?x64xf32>
    ...
    %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : ...
    ```

    After:

    ```mlir
    %kp1 = tensor.expand_shape %kp [[0, 1], [2], [3]] output_shape [1, 8, 512, 64]
        : tensor<8x512x64xf32> into tensor<1x8x512x64xf32>
    ...
    %o = attn.prefix_attention(%q) keys(%kp1, %ks) values(%vp1, %vs)
        {segments = [#attn.segment<shared>, #attn.segment<per_row>],
         mask = #attn.mask<causal>} : ...
    ```
  }];
  let dependentDialects = [
    "::mlir::tensor::TensorDialect",
  ];
}

def RaiseAttention : Pass<"attn-raise-attention"> {
  let summary = "Find attention in exported linalg IR and state it as "
                "attn.attention";
  let description = [{
    Recognizes attention as torch-mlir's linalg-on-tensors output writes it,
    from the last product back:

    ```
    S = expand(batch_matmul(collapse(c_q Q), collapse(transpose(c_k K))))
    X = c_s S (+ M)                         (scale: multiply or divide; mask)
    P = exp(X - max_j X) / sum_j exp(...)   (decomposed softmax, optionally
                                             guarded: all -inf rows give 0)
    O = expand(batch_matmul(collapse(P), collapse(V)))
    ```

    and replaces `O` by `attn.attention(Q, K, V) {scale = c_q c_k c_s}`.
    K and V repeated over the query heads of a group (repeat_interleave: a
    broadcast along a new dim, collapsed into the heads) are taken
    un-repeated, as grouped-query attention. An additive mask `M : [Lq, Lk]`
    built from constants and index arithmetic (as `torch.triu` or
    `is_causal` export it) is evaluated at compile time: all zeros is no
    mask, zeros on and below the bottom-right diagonal with -inf above is
    `#attn.mask<causal>`; any other mask stays an additive `bias` operand.

    Sigmoid attention as FlashSigmoid writes it, `P = 1 / (1 + exp(-(X +
    c)))` elementwise with an optional constant shift `c` (`- log L`), becomes
    `attn.attention` with `normalization = sigmoid` and `sigmoid_bias = c`
    (masked scores are -inf, whose sigmoid is 0 as in attn.attention, so any
    additive mask is exact as a bias there).

    The same chain as tosa-to-linalg leaves TOSA exports is recognized too:
    `linalg.reduce` reductions (a max from the lowest float rather than
    -inf), the softmax division as a multiplication by `1 / sum`, the scale
    as a splat constant tensor operand, a `[1, 1, Lq, Lk]` mask, the guard of
    fully masked rows compared in f64 against a splat -inf and reduced by
    `linalg.reduce`, and `tosa.tile`'s repeat of KV heads (a 10-D
    broadcast, first rewritten onto the broadcast-and-collapse form).

    Dynamic-shape exports (torch-mlir with a symbolic sequence length or
    batch) raise too: their broadcasts written as gathers (`tensor.extract`
    at `dim == 1 ? 0 : i`) become plain reads, and their `tensor.reshape` by
    `tensor.from_elements` shapes (extents as i64 products of the sizes)
    become collapses and expands, where the extents involved are provably
    equal (ValueBounds; of the groups a reshape merges or splits, one may
    stay unproven, as the equal element counts imply it); a size multiplied
    and divided again by a constant is folded. A dynamic mask must be
    square, and is then decided at any length. Run `canonicalize`,
    `int-range-optimizations` and `canonicalize` first (attune-cpu-pipeline
    does), which settle the exporter's guards of the extents (`L < 0 ? ...`).

    Left as it is: a softmax over another axis or not written as above, a
    probability or score tensor with other uses, products whose operands are
    not transposed as attention's are, and an unguarded softmax (whose
    fully masked rows would be NaN, not 0) under a mask that may hide a
    whole row (with a dynamic length: unless Q and K provably have as many
    positions).
  }];
  let dependentDialects = [
    "::mlir::attn::AttnDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
