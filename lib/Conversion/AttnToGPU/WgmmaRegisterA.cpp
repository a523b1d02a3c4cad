//===- WgmmaRegisterA.cpp - wgmma with its A operand in registers ---------===//

#include "attune/Conversion/AttnToGPU/WgmmaRegisterA.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attune;

namespace {
constexpr int64_t kARegisters = 4;
/// Operands before the accumulators: A, B's descriptor, scale-d.
constexpr int64_t kLeadingOperands = kARegisters + 2;
constexpr llvm::StringLiteral kOpcode = "wgmma.mma_async.sync.aligned.m64n";
} // namespace

std::string WgmmaRegisterA::ptx() const {
  int64_t count = n / 2;
  std::string text;
  llvm::raw_string_ostream os(text);
  StringRef type = bf16 ? "bf16" : "f16";
  // The results are $0 .. $count-1; the operands follow in their order.
  os << "{\n.reg .pred p;\nsetp.ne.b32 p, $" << count + kARegisters + 1
     << ", 0;\n"
     << kOpcode << n << "k16.f32." << type << "." << type << " {";
  for (int64_t i = 0; i < count; ++i)
    os << (i ? ", $" : "$") << i;
  os << "}, {";
  for (int64_t i = 0; i < kARegisters; ++i)
    os << (i ? ", $" : "$") << count + i;
  // scale-d, imm-scale-a, imm-scale-b, imm-trans-b.
  os << "}, $" << count + kARegisters << ", p, 1, 1, " << (transposeB ? 1 : 0)
     << ";\n}";
  return text;
}

std::string WgmmaRegisterA::constraints() const {
  int64_t count = n / 2;
  SmallVector<std::string> parts(count, "=f");
  parts.append(kARegisters, "r");
  parts.push_back("l");
  parts.push_back("r");
  // Each accumulator's input is tied to its result.
  for (int64_t i = 0; i < count; ++i)
    parts.push_back(std::to_string(i));
  return llvm::join(parts, ",");
}

LLVM::InlineAsmOp WgmmaRegisterA::build(OpBuilder &b, Location loc,
                                        ValueRange acc, ValueRange a,
                                        Value descB, Value scaleD) const {
  assert(static_cast<int64_t>(acc.size()) == n / 2 &&
         static_cast<int64_t>(a.size()) == kARegisters &&
         "N / 2 accumulators and 4 A registers");
  MLIRContext *ctx = b.getContext();
  auto type = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(acc.size(), b.getF32Type()));
  SmallVector<Value> operands(a.begin(), a.end());
  operands.push_back(descB);
  operands.push_back(scaleD);
  operands.append(acc.begin(), acc.end());
  return LLVM::InlineAsmOp::create(
      b, loc, type, operands, b.getStringAttr(ptx()),
      b.getStringAttr(constraints()), /*has_side_effects=*/b.getUnitAttr(),
      /*is_align_stack=*/UnitAttr(), LLVM::TailCallKindAttr(),
      LLVM::AsmDialectAttr::get(ctx, LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
}

std::optional<WgmmaRegisterA> WgmmaRegisterA::match(LLVM::InlineAsmOp op) {
  // The shape and types from the text, then everything else compared with
  // what build() makes of them.
  StringRef text = op.getAsmString();
  size_t at = text.find(kOpcode);
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = text.drop_front(at + kOpcode.size());
  WgmmaRegisterA form;
  if (rest.consumeInteger(10, form.n) || form.n < 8 || form.n > 256 ||
      form.n % 8)
    return std::nullopt;
  form.bf16 = rest.starts_with("k16.f32.bf16.");
  form.transposeB = text.contains(", p, 1, 1, 1;");
  if (text != form.ptx() || op.getConstraints() != form.constraints())
    return std::nullopt;
  int64_t count = form.n / 2;
  auto operands = op.getOperands();
  if (static_cast<int64_t>(operands.size()) != kLeadingOperands + count ||
      op.getNumResults() != 1)
    return std::nullopt;
  for (int64_t i = 0; i < kARegisters; ++i)
    if (!operands[i].getType().isInteger(32))
      return std::nullopt;
  if (!operands[kARegisters].getType().isInteger(64) ||
      !operands[kARegisters + 1].getType().isInteger(32))
    return std::nullopt;
  for (Value acc : operands.drop_front(kLeadingOperands))
    if (!acc.getType().isF32())
      return std::nullopt;
  auto result = dyn_cast<LLVM::LLVMStructType>(op.getResult(0).getType());
  if (!result || static_cast<int64_t>(result.getBody().size()) != count ||
      !llvm::all_of(result.getBody(), [](Type t) { return t.isF32(); }))
    return std::nullopt;
  return form;
}
