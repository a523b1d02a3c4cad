//===- AttnBase.td - attn dialect definition ---------------*- tablegen -*-===//
//
// The attn dialect represents the attention family as IR: one op for plain,
// grouped, masked, sparse, sigmoid and score-modified attention, one for
// attention over KV shared between batch rows (Hydragen), and the exact merge
// of partial results over disjoint key sets.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_IR_ATTNBASE_TD
#define ATTN_IR_ATTNBASE_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Attention as IR: masks, head maps, normalizations, sharing";
  let description = [{
    The `attn` dialect describes scaled dot-product attention and its family
    on ranked tensors with the FlashAttention layout:
    Q `[B, Hq, Lq, D]`, K `[B, Hkv, Lk, D]`, V `[B, Hkv, Lk, Dv]`,
    O `[B, Hq, Lq, Dv]` and an optional log-sum-exp `[B, Hq, Lq]` (natural log,
    always f32). Batch and sequence lengths may be dynamic, head counts and head
    dims are static. f16 and bf16 inputs accumulate in f32.

    Query head `h` reads KV head `h / (Hq / Hkv)` unless an explicit `head_map`
    says otherwise (Key-Driven GQA). Masks follow FlashAttention: causal masks
    align bottom-right when `Lq != Lk`, windows are `(left, right)` around the
    diagonal `i + Lk - Lq`. A row with no visible key yields 0 and LSE `-inf`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTN_IR_ATTNBASE_TD
