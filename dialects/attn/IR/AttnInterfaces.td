//===- AttnInterfaces.td - attention op interface ----------*- tablegen -*-===//
//
// The accessors every attention-computing op shares, so that lowerings and
// rewrites are written once against the interface, not once per op.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_IR_ATTNINTERFACES_TD
#define ATTN_IR_ATTNINTERFACES_TD

include "mlir/IR/OpBase.td"

def Attn_AttentionOpInterface : OpInterface<"AttentionOpInterface"> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    An op computing `O = normalize(modify(scale * Q K^T)) V` over some set of
    keys. Exposes the query, the head configuration, the mask of each head,
    the normalization and the score modifiers common to every attention op.
  }];
  let methods = [
    InterfaceMethod<"The query tensor [B, Hq, Lq, D].",
      "::mlir::TypedValue<::mlir::RankedTensorType>", "getQuery">,
    InterfaceMethod<"The attention output [B, Hq, Lq, Dv].",
      "::mlir::TypedValue<::mlir::RankedTensorType>", "getOutput">,
    InterfaceMethod<"The log-sum-exp result [B, Hq, Lq], or null.",
      "::mlir::Value", "getLse">,
    InterfaceMethod<"Number of KV heads.", "int64_t", "getNumKvHeads">,
    InterfaceMethod<"Value head dim Dv.", "int64_t", "getValueHeadDim">,
    InterfaceMethod<"Number of query heads.", "int64_t", "getNumQueryHeads",
      (ins), [{}], [{ return $_op.getQuery().getType().getDimSize(1); }]>,
    InterfaceMethod<"Query/key head dim D.", "int64_t", "getHeadDim",
      (ins), [{}], [{ return $_op.getQuery().getType().getDimSize(3); }]>,
    InterfaceMethod<"The scale applied to Q K^T (default 1/sqrt(D)).",
      "double", "getScaleOrDefault", (ins), [{}], [{
        if (auto scale = $_op.getScaleAttr())
          return scale.getValueAsDouble();
        return 1.0 / std::sqrt(static_cast<double>($_op.getHeadDim()));
      }]>,
    InterfaceMethod<"Softmax or sigmoid.", "::mlir::attn::Normalization",
      "getNormalizationKind", (ins), [{}], [{
        return $_op.getNormalization();
      }]>,
    InterfaceMethod<"The KV head read by query head `h`.",
      "int64_t", "getKvHeadFor", (ins "int64_t":$h), [{}], [{
        if (auto map = $_op.getHeadMapAttr())
          return map[h];
        return h / ($_op.getNumQueryHeads() / $_op.getNumKvHeads());
      }]>,
    InterfaceMethod<"The mask applied to query head `h`.",
      "::mlir::attn::MaskAttr", "getMaskFor", (ins "int64_t":$h), [{}], [{
        if (auto masks = $_op.getHeadMasksAttr())
          return ::llvm::cast<::mlir::attn::MaskAttr>(masks[h]);
        if (auto mask = $_op.getMaskAttr())
          return mask;
        return ::mlir::attn::MaskAttr::getNone($_op.getContext());
      }]>,
    InterfaceMethod<"Whether all heads share one mask.",
      "bool", "hasUniformMask", (ins), [{}], [{
        auto masks = $_op.getHeadMasksAttr();
        if (!masks)
          return true;
        return ::llvm::all_equal(masks.getValue());
      }]>,
  ];
}

#endif // ATTN_IR_ATTNINTERFACES_TD
