//===- AttnAttrs.td - attn dialect attributes --------------*- tablegen -*-===//
//
// Masks, normalizations and KV segments of the attn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_IR_ATTNATTRS_TD
#define ATTN_IR_ATTNATTRS_TD

include "attn/IR/AttnBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Attn_NormalizationSoftmax : I32EnumAttrCase<"Softmax", 0, "softmax">;
def Attn_NormalizationSigmoid : I32EnumAttrCase<"Sigmoid", 1, "sigmoid">;
def Attn_Normalization : I32EnumAttr<"Normalization",
    "how scores become attention weights",
    [Attn_NormalizationSoftmax, Attn_NormalizationSigmoid]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}
def Attn_NormalizationAttr : EnumAttr<Attn_Dialect, Attn_Normalization,
                                      "normalization"> {
  let assemblyFormat = "`<` $value `>`";
  let summary = "softmax (row-normalized) or sigmoid (elementwise, FlashSigmoid)";
}

//===----------------------------------------------------------------------===//
// Mask
//===----------------------------------------------------------------------===//

def Attn_MaskAttr : Attn_Attr<"Mask", "mask"> {
  let summary = "a banded mask: none, causal, sliding window, sinks + window";
  let description = [{
    With `diag = i + (Lk - Lq)` (bottom-right alignment), key `j` is visible
    to query `i` iff `diag - left <= j <= diag + right`, where `-1` leaves a
    side unbounded. The first `sinks` keys (StreamingLLM) stay visible whatever
    the left bound, but never past the right bound.

    ```mlir
    #attn.mask<none>                             // left = right = -1
    #attn.mask<causal>                           // left = -1, right = 0
    #attn.mask<window left = 128, right = 0>     // causal sliding window
    #attn.mask<window left = 256, right = 0, sinks = 4>
    ```
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right, "int64_t":$sinks);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins), [{ return $_get($_ctxt, -1, -1, 0); }]>
  ];
  let extraClassDeclaration = [{
    static MaskAttr getNone(::mlir::MLIRContext *ctx) {
      return get(ctx, -1, -1, 0);
    }
    static MaskAttr getCausal(::mlir::MLIRContext *ctx) {
      return get(ctx, -1, 0, 0);
    }
    bool isNone() const { return getLeft() < 0 && getRight() < 0; }
    bool isCausal() const {
      return getLeft() < 0 && getRight() == 0 && getSinks() == 0;
    }
    /// Whether query `i` sees key `j` (< Lk) under this mask, bottom-right
    /// aligned: with diag = i + Lk - Lq, j <= diag + right (right >= 0) and
    /// (j >= diag - left (left >= 0) or j < sinks).
    bool isVisible(int64_t i, int64_t j, int64_t qLen, int64_t kvLen) const {
      int64_t diag = i + kvLen - qLen;
      bool rightOk = getRight() < 0 || j <= diag + getRight();
      bool leftOk = getLeft() < 0 || j >= diag - getLeft() || j < getSinks();
      return rightOk && leftOk;
    }
  }];
}

def Attn_MaskArrayAttr : TypedArrayAttrBase<Attn_MaskAttr, "array of masks">;

//===----------------------------------------------------------------------===//
// KV segment (prefix sharing)
//===----------------------------------------------------------------------===//

def Attn_SegmentShared : I32EnumAttrCase<"Shared", 0, "shared">;
def Attn_SegmentPerRow : I32EnumAttrCase<"PerRow", 1, "per_row">;
def Attn_SegmentRows : I32EnumAttrCase<"Rows", 2, "rows">;
def Attn_SegmentKind : I32EnumAttr<"SegmentKind",
    "how the batch rows map to the instances of a KV segment",
    [Attn_SegmentShared, Attn_SegmentPerRow, Attn_SegmentRows]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_SegmentAttr : Attn_Attr<"Segment", "segment"> {
  let summary = "which instance of a KV segment each batch row reads";
  let description = [{
    A segment of `attn.prefix_attention` holds `N` instances of KV, shaped
    `[N, Hkv, L, D]`. Batch row `b` reads instance:
    - `#attn.segment<shared>`: 0 (one instance shared by every row, `N = 1`);
    - `#attn.segment<per_row>`: `b` (`N = B`);
    - `#attn.segment<rows [0, 0, 1, 1]>`: the listed instance (tree sharing:
      a segment shared by subsets of rows; requires a static batch).
  }];
  let parameters = (ins "SegmentKind":$kind,
                        OptionalArrayRefParameter<"int64_t">:$rows);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Attn_SegmentArrayAttr
    : TypedArrayAttrBase<Attn_SegmentAttr, "array of KV segments">;

#endif // ATTN_IR_ATTNATTRS_TD
