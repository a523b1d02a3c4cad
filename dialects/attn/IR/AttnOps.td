//===- AttnOps.td - attn dialect operations ----------------*- tablegen -*-===//
//
// The operations of the attn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_IR_ATTNOPS_TD
#define ATTN_IR_ATTNOPS_TD

include "attn/IR/AttnBase.td"
include "attn/IR/AttnAttrs.td"
include "attn/IR/AttnInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/OpBase.td"

def Attn_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Attn_F32Tensor : RankedTensorOf<[F32]>;
def Attn_I32Tensor : RankedTensorOf<[I32]>;

// Attributes shared by every attention op: how scores are formed, masked and
// normalized.
defvar Attn_CommonAttrs = (ins
  OptionalAttr<F32Attr>:$scale,
  DefaultValuedAttr<Attn_NormalizationAttr,
                    "::mlir::attn::Normalization::Softmax">:$normalization,
  OptionalAttr<F32Attr>:$sigmoid_bias,
  OptionalAttr<Attn_MaskAttr>:$mask,
  OptionalAttr<Attn_MaskArrayAttr>:$head_masks,
  OptionalAttr<DenseI64ArrayAttr>:$head_map,
  OptionalAttr<F32Attr>:$softcap
);

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def Attn_AttentionOp : Attn_Op<"attention", [
    AttrSizedOperandSegments, RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<Attn_AttentionOpInterface,
                              ["getNumKvHeads", "getValueHeadDim"]>]> {
  let summary = "scaled dot-product attention with masks and score modifiers";
  let description = [{
    Computes `O = normalize(s) V` where, for batch `b`, query head `h`, query
    `i` and key `j` (KV head `kv(h)` from `head_map` or uniform groups):

    ```
    s = scale * <Q[b,h,i], K[b,kv(h),j]>          (scale: default 1/sqrt(D))
    s = s * temperature[b,h,i]                     (per-query temperature)
    s = softcap * tanh(s / softcap)                (softcap)
    s = s - alibi[h] * |i + Lk - Lq - j|           (ALiBi slopes)
    s = s + bias[b,h,i,j]                          (additive bias)
    s = score_mod(s, b, h, i, j)                   (score_mod region)
    ```

    Key `j` is visible when the head's mask (`mask`, or `head_masks[h]` for
    per-head masks as in DuoAttention) and the `mask_mod` region allow it.
    Both regions are side-effect free and may use scalars defined above the
    op (a run-time length, a bias), but no tensors.
    With a block mask (FlexAttention's BlockMask: `kv_num_blocks`,
    `kv_indices`, and optionally `full_kv_num_blocks`, `full_kv_indices`, with
    `block_size = [q_block, kv_block]`), only listed KV blocks are visited:
    partial blocks apply the mask predicate, full blocks skip it.

    With `kv_lengths : [B] i32` (a ragged batch: FlashAttention's
    `seqused_k`), batch row `b` has only its first `L_b = clamp(kv_lengths[b],
    0, Lk)` keys: the others are hidden, and `Lk` reads `L_b` everywhere above
    and in the masks (bottom-right alignment, ALiBi distances, the sigmoid
    bias). A row with `L_b = 0` has no visible key.

    `softmax` normalizes each row over its visible keys and may return the
    log-sum-exp; `sigmoid` computes `sigmoid(s + sigmoid_bias)` elementwise
    (bias default `-log(Lk)`) and returns no LSE. Batch and head extents of
    `bias`, `temperature` and the block mask may be 1 (broadcast).

    ```mlir
    %o, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
        : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>,
           tensor<?x2x?x128xbf16>)
        -> (tensor<?x8x?x128xbf16>, tensor<?x8x?xf32>)
    ```
  }];

  let arguments = !con((ins
    Attn_FloatTensor:$query,
    Attn_FloatTensor:$key,
    Attn_FloatTensor:$value,
    Optional<Attn_F32Tensor>:$alibi_slopes,
    Optional<Attn_FloatTensor>:$bias,
    Optional<Attn_F32Tensor>:$temperature,
    Optional<Attn_I32Tensor>:$kv_lengths,
    Optional<Attn_I32Tensor>:$kv_num_blocks,
    Optional<Attn_I32Tensor>:$kv_indices,
    Optional<Attn_I32Tensor>:$full_kv_num_blocks,
    Optional<Attn_I32Tensor>:$full_kv_indices,
    OptionalAttr<DenseI64ArrayAttr>:$block_size),
    Attn_CommonAttrs);
  let results = (outs Attn_FloatTensor:$output,
                      Optional<Attn_F32Tensor>:$lse);
  let regions = (region MaxSizedRegion<1>:$score_mod,
                        MaxSizedRegion<1>:$mask_mod);

  let assemblyFormat = [{
    `(` $query `,` $key `,` $value `)`
    (`alibi` `(` $alibi_slopes^ `)`)?
    (`bias` `(` $bias^ `)`)?
    (`temperature` `(` $temperature^ `)`)?
    (`kv_lengths` `(` $kv_lengths^ `)`)?
    (`blocks` `(` $kv_num_blocks^ `,` $kv_indices `)`)?
    (`full_blocks` `(` $full_kv_num_blocks^ `,` $full_kv_indices `)`)?
    attr-dict
    (`score_mod` $score_mod^)?
    (`mask_mod` $mask_mod^)?
    `:` functional-type(operands, results)
  }];

  let extraClassDeclaration = [{
    bool hasBlockMask() { return static_cast<bool>(getKvNumBlocks()); }
  }];

  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// PrefixAttentionOp
//===----------------------------------------------------------------------===//

def Attn_PrefixAttentionOp : Attn_Op<"prefix_attention", [
    AttrSizedOperandSegments, Pure,
    DeclareOpInterfaceMethods<Attn_AttentionOpInterface,
                              ["getNumKvHeads", "getValueHeadDim"]>]> {
  let summary = "attention over KV segments shared between batch rows";
  let description = [{
    Attention whose keys and values, for batch row `b`, are the concatenation
    in order of one instance of each segment: segment `s` holds
    `keys[s] : [N_s, Hkv, L_s, D]` and `values[s] : [N_s, Hkv, L_s, Dv]`, and
    `segments[s]` says which instance row `b` reads (`shared`, `per_row`, or an
    explicit row map for tree sharing). The result equals `attn.attention` over
    the concatenated KV of length `Lk = sum L_s`; masks are positioned on that
    concatenation. This is the input of the Hydragen decomposition: a shared
    segment is attended once by the stacked queries of every row that reads it,
    and the parts are merged exactly with `attn.merge`.

    With `suffix_lengths : [B] i32` the last segment, which must be
    `per_row`, is ragged: row `b` reads only its first
    `clamp(suffix_lengths[b], 0, L_last)` keys (the earlier segments whole),
    which is `attn.attention` over the concatenation with `kv_lengths` equal
    to the earlier segments' lengths plus that.

    ```mlir
    // A system prompt shared by all rows, then a per-row suffix.
    %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs)
        {segments = [#attn.segment<shared>, #attn.segment<per_row>],
         mask = #attn.mask<causal>}
        : (tensor<4x8x16x64xf16>, tensor<1x8x1024x64xf16>,
           tensor<4x8x16x64xf16>, tensor<1x8x1024x64xf16>,
           tensor<4x8x16x64xf16>) -> tensor<4x8x16x64xf16>
    ```
  }];

  let arguments = !con((ins
    Attn_FloatTensor:$query,
    Variadic<Attn_FloatTensor>:$keys,
    Variadic<Attn_FloatTensor>:$values,
    Optional<Attn_I32Tensor>:$suffix_lengths,
    Attn_SegmentArrayAttr:$segments),
    Attn_CommonAttrs);
  let results = (outs Attn_FloatTensor:$output,
                      Optional<Attn_F32Tensor>:$lse);

  let assemblyFormat = [{
    `(` $query `)` `keys` `(` $keys `)` `values` `(` $values `)`
    (`suffix_lengths` `(` $suffix_lengths^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];

  let extraClassDeclaration = [{
    /// The instance of segment `s` read by batch row `b`.
    int64_t getInstanceFor(unsigned s, int64_t b);
  }];

  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// MergeOp
//===----------------------------------------------------------------------===//

def Attn_MergeOp : Attn_Op<"merge", [AttrSizedOperandSegments, Pure]> {
  let summary = "exact merge of attention results over disjoint key sets";
  let description = [{
    Combines partial attention outputs `O_i` computed over disjoint sets of
    keys into the output over their union. For softmax each part brings its
    log-sum-exp and

    ```
    m = max_i lse_i,  w_i = exp(lse_i - m),
    O = sum_i w_i O_i / sum_i w_i,  lse = m + log(sum_i w_i)
    ```

    (all parts empty, `m = -inf`: O = 0, lse = -inf). For sigmoid attention
    there is no normalization and the parts simply add: `O = sum_i O_i`.
    Shared-prefix decomposition and split-KV both end in this op.

    ```mlir
    %o, %lse = attn.merge(%o0, %o1) lse(%l0, %l1)
        : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>,
           tensor<2x8x?xf32>, tensor<2x8x?xf32>)
        -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
    ```
  }];

  let arguments = (ins
    Variadic<Attn_FloatTensor>:$outputs,
    Variadic<Attn_F32Tensor>:$lses,
    DefaultValuedAttr<Attn_NormalizationAttr,
                      "::mlir::attn::Normalization::Softmax">:$normalization);
  let results = (outs Attn_FloatTensor:$output,
                      Optional<Attn_F32Tensor>:$lse);

  let assemblyFormat = [{
    `(` $outputs `)` (`lse` `(` $lses^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// YieldOp
//===----------------------------------------------------------------------===//

def Attn_YieldOp : Attn_Op<"yield", [
    Pure, ReturnLike, Terminator,
    ParentOneOf<["AttentionOp"]>]> {
  let summary = "yields the value of a score_mod or mask_mod region";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // ATTN_IR_ATTNOPS_TD
