//===- RegionEvaluator.h - mask_mod / score_mod regions at compile time -*-===//
//
// Evaluates an integer-valued region (attn.attention's mask_mod) on concrete
// arguments, for the compile-time block-mask builder: the region's ops are
// compiled once into a straight-line program over int64 slots. Integer
// arith only (constants, add / sub / mul / div / rem, min / max, shifts,
// and / or / xor, cmpi, select, casts between integer widths and index);
// anything else, or a division by zero, makes evaluation fail.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_TILEDATTENTION_REGIONEVALUATOR_H
#define ATTUNE_CONVERSION_TILEDATTENTION_REGIONEVALUATOR_H

#include "mlir/IR/Region.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir {
namespace attune {

class RegionEvaluator {
public:
  /// Compiles `region` (one block, integer arguments, one yielded integer);
  /// std::nullopt when it uses anything else or captures values.
  static std::optional<RegionEvaluator> compile(Region &region);

  /// The yielded value for `args` (one per block argument); std::nullopt on
  /// a division by zero.
  std::optional<int64_t> evaluate(const std::vector<int64_t> &args) const;

  /// Whether the region reads block argument `i`.
  bool reads(unsigned i) const;

private:
  struct Instruction {
    unsigned opcode, predicate, width;
    int64_t constant;
    int lhs, rhs, third, result;
  };
  std::vector<Instruction> program;
  unsigned numArgs = 0, numSlots = 0;
  int yielded = -1;
  std::vector<bool> argRead;
};

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_TILEDATTENTION_REGIONEVALUATOR_H
