//===- RegionEvaluator.cpp - integer regions at compile time --------------===//

#include "attune/Conversion/TiledAttention/RegionEvaluator.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attune;

namespace {
enum Opcode : unsigned {
  Const,
  Add,
  Sub,
  Mul,
  DivS,
  DivU,
  RemS,
  RemU,
  FloorDivS,
  CeilDivS,
  MinS,
  MaxS,
  MinU,
  MaxU,
  And,
  Or,
  Xor,
  Shl,
  ShrS,
  ShrU,
  Cmp,
  Select,
  Cast
};

/// Bits of an integer or index type (index: 64).
unsigned widthOf(Type type) {
  if (type.isIndex())
    return 64;
  if (auto integer = dyn_cast<IntegerType>(type))
    return integer.getWidth();
  return 0;
}

/// `v` truncated to `width` bits, sign-extended (i1 stays 0 / 1).
int64_t wrap(int64_t v, unsigned width) {
  if (width == 1)
    return v & 1;
  if (width >= 64)
    return v;
  int64_t shift = 64 - width;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << shift) >> shift;
}

uint64_t asUnsigned(int64_t v, unsigned width) {
  if (width >= 64)
    return static_cast<uint64_t>(v);
  return static_cast<uint64_t>(v) & ((uint64_t(1) << width) - 1);
}
} // namespace

std::optional<RegionEvaluator> RegionEvaluator::compile(Region &region) {
  if (!region.hasOneBlock())
    return std::nullopt;
  Block &block = region.front();
  RegionEvaluator e;
  llvm::DenseMap<Value, int> slot;
  for (BlockArgument arg : block.getArguments()) {
    if (!widthOf(arg.getType()))
      return std::nullopt;
    slot[arg] = e.numSlots++;
  }
  e.numArgs = block.getNumArguments();
  e.argRead.assign(e.numArgs, false);
  for (BlockArgument arg : block.getArguments())
    e.argRead[arg.getArgNumber()] = !arg.use_empty();
  for (Operation &op : block) {
    if (auto yield = dyn_cast<attn::YieldOp>(op)) {
      if (yield.getValues().size() != 1 || !slot.count(yield.getValues()[0]))
        return std::nullopt;
      e.yielded = slot[yield.getValues()[0]];
      break;
    }
    if (op.getNumResults() != 1 || !widthOf(op.getResult(0).getType()))
      return std::nullopt;
    Instruction in{};
    in.width = widthOf(op.getResult(0).getType());
    in.lhs = in.rhs = in.third = -1;
    SmallVector<int> operands;
    for (Value operand : op.getOperands()) {
      auto it = slot.find(operand);
      if (it == slot.end()) {
        // Captured from above: integer constants only (canonicalization
        // hoists the region's own constants out of it).
        APInt captured;
        if (!widthOf(operand.getType()) ||
            !matchPattern(operand, m_ConstantInt(&captured)))
          return std::nullopt;
        Instruction c{};
        c.opcode = Const;
        c.width = widthOf(operand.getType());
        c.constant = c.width == 1 ? captured.getZExtValue()
                                  : captured.getSExtValue();
        c.lhs = c.rhs = c.third = -1;
        c.result = e.numSlots++;
        e.program.push_back(c);
        it = slot.try_emplace(operand, c.result).first;
      }
      operands.push_back(it->second);
    }
    APInt constant;
    std::optional<unsigned> opcode =
        llvm::TypeSwitch<Operation *, std::optional<unsigned>>(&op)
            .Case([&](arith::ConstantOp c) -> std::optional<unsigned> {
              if (!matchPattern(c.getResult(), m_ConstantInt(&constant)))
                return std::nullopt;
              in.constant = in.width == 1 ? constant.getZExtValue()
                                          : constant.getSExtValue();
              return Const;
            })
            .Case([](arith::AddIOp) { return Add; })
            .Case([](arith::SubIOp) { return Sub; })
            .Case([](arith::MulIOp) { return Mul; })
            .Case([](arith::DivSIOp) { return DivS; })
            .Case([](arith::DivUIOp) { return DivU; })
            .Case([](arith::RemSIOp) { return RemS; })
            .Case([](arith::RemUIOp) { return RemU; })
            .Case([](arith::FloorDivSIOp) { return FloorDivS; })
            .Case([](arith::CeilDivSIOp) { return CeilDivS; })
            .Case([](arith::MinSIOp) { return MinS; })
            .Case([](arith::MaxSIOp) { return MaxS; })
            .Case([](arith::MinUIOp) { return MinU; })
            .Case([](arith::MaxUIOp) { return MaxU; })
            .Case([](arith::AndIOp) { return And; })
            .Case([](arith::OrIOp) { return Or; })
            .Case([](arith::XOrIOp) { return Xor; })
            .Case([](arith::ShLIOp) { return Shl; })
            .Case([](arith::ShRSIOp) { return ShrS; })
            .Case([](arith::ShRUIOp) { return ShrU; })
            .Case([&](arith::CmpIOp c) -> std::optional<unsigned> {
              in.predicate = static_cast<unsigned>(c.getPredicate());
              in.width = widthOf(c.getLhs().getType());
              return Cmp;
            })
            .Case([](arith::SelectOp) { return Select; })
            .Case<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(
                [](Operation *) { return Cast; })
            .Case([&](arith::ExtUIOp x) -> std::optional<unsigned> {
              // zero extension: the source read as unsigned.
              in.predicate = widthOf(x.getIn().getType());
              return Cast;
            })
            .Default([](Operation *) { return std::nullopt; });
    if (!opcode)
      return std::nullopt;
    in.opcode = *opcode;
    if (in.opcode == Cast && !isa<arith::ExtUIOp>(op))
      in.predicate = 0;
    if (!operands.empty())
      in.lhs = operands[0];
    if (operands.size() > 1)
      in.rhs = operands[1];
    if (operands.size() > 2)
      in.third = operands[2];
    in.result = e.numSlots++;
    slot[op.getResult(0)] = in.result;
    e.program.push_back(in);
  }
  if (e.yielded < 0)
    return std::nullopt;
  return e;
}

bool RegionEvaluator::reads(unsigned i) const {
  return i < argRead.size() && argRead[i];
}

std::optional<int64_t>
RegionEvaluator::evaluate(const std::vector<int64_t> &args) const {
  std::vector<int64_t> slots(numSlots, 0);
  for (unsigned i = 0; i < numArgs && i < args.size(); ++i)
    slots[i] = args[i];
  using P = arith::CmpIPredicate;
  for (const Instruction &in : program) {
    int64_t a = in.lhs >= 0 ? slots[in.lhs] : 0;
    int64_t b = in.rhs >= 0 ? slots[in.rhs] : 0;
    unsigned w = in.width;
    uint64_t ua = asUnsigned(a, w), ub = asUnsigned(b, w);
    int64_t r = 0;
    switch (in.opcode) {
    case Const:
      r = in.constant;
      break;
    case Add:
      r = static_cast<int64_t>(ua + ub);
      break;
    case Sub:
      r = static_cast<int64_t>(ua - ub);
      break;
    case Mul:
      r = static_cast<int64_t>(ua * ub);
      break;
    case DivS:
    case RemS:
    case FloorDivS:
    case CeilDivS: {
      if (b == 0 || (a == INT64_MIN && b == -1))
        return std::nullopt;
      int64_t q = a / b, m = a % b;
      if (in.opcode == RemS)
        r = m;
      else if (in.opcode == DivS)
        r = q;
      else if (in.opcode == FloorDivS)
        r = (m != 0 && ((m < 0) != (b < 0))) ? q - 1 : q;
      else
        r = (m != 0 && ((m < 0) == (b < 0))) ? q + 1 : q;
      break;
    }
    case DivU:
    case RemU:
      if (ub == 0)
        return std::nullopt;
      r = static_cast<int64_t>(in.opcode == DivU ? ua / ub : ua % ub);
      break;
    case MinS:
      r = std::min(a, b);
      break;
    case MaxS:
      r = std::max(a, b);
      break;
    case MinU:
      r = static_cast<int64_t>(std::min(ua, ub));
      break;
    case MaxU:
      r = static_cast<int64_t>(std::max(ua, ub));
      break;
    case And:
      r = a & b;
      break;
    case Or:
      r = a | b;
      break;
    case Xor:
      r = a ^ b;
      break;
    case Shl:
      if (ub >= w)
        return std::nullopt;
      r = static_cast<int64_t>(ua << ub);
      break;
    case ShrS:
      if (ub >= w)
        return std::nullopt;
      r = a >> ub;
      break;
    case ShrU:
      if (ub >= w)
        return std::nullopt;
      r = static_cast<int64_t>(ua >> ub);
      break;
    case Cmp: {
      switch (static_cast<P>(in.predicate)) {
      case P::eq:
        r = ua == ub;
        break;
      case P::ne:
        r = ua != ub;
        break;
      case P::slt:
        r = a < b;
        break;
      case P::sle:
        r = a <= b;
        break;
      case P::sgt:
        r = a > b;
        break;
      case P::sge:
        r = a >= b;
        break;
      case P::ult:
        r = ua < ub;
        break;
      case P::ule:
        r = ua <= ub;
        break;
      case P::ugt:
        r = ua > ub;
        break;
      case P::uge:
        r = ua >= ub;
        break;
      }
      slots[in.result] = r;
      continue;
    }
    case Select:
      r = (a & 1) ? b : slots[in.third];
      break;
    case Cast:
      r = in.predicate ? static_cast<int64_t>(asUnsigned(a, in.predicate)) : a;
      break;
    }
    slots[in.result] = wrap(r, w);
  }
  return slots[yielded];
}
