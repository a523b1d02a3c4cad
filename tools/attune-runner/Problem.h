//===- Problem.h - attune-runner's test problem and its inputs --*- C++ -*-===//
//
// The attention problem that attune-runner hands to a compiled kernel: the
// options it was built from, the argument buffers in the kernel's calling
// convention, and the same problem phrased for the scalar reference. Kept
// apart from the MLIR side of the tool so that it reads as plain data.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_TOOLS_ATTUNE_RUNNER_PROBLEM_H
#define ATTUNE_TOOLS_ATTUNE_RUNNER_PROBLEM_H

#include "attune/Reference/Reference.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attune::runner {

/// Element types of kernel arguments. f16 and bf16 are stored as their 16 bits.
enum class ElementKind { F32, F16, BF16, I32 };

llvm::StringRef toString(ElementKind kind);
size_t elementBytes(ElementKind kind);
/// `value` rounded to nearest-even in `kind`, as a double.
double roundTo(ElementKind kind, double value);
/// Stores `value` (rounded to `kind`) at `index` of the raw buffer `base`.
void storeElement(ElementKind kind, void *base, int64_t index, double value);
double loadElement(ElementKind kind, const void *base, int64_t index);

/// One KV segment of the prefix layout: keys [N, Hkv, length, D] where the
/// instance read by batch row b is 0 (shared), b (per row) or rows[b].
struct Segment {
  enum class Kind { Shared, PerRow, Explicit };
  Kind kind = Kind::Shared;
  std::vector<int64_t> rows;
  int64_t length = 0;

  int64_t numInstances(int64_t batch) const;
  int64_t instanceFor(int64_t b) const;
};

/// The problem as the command line states it, already split into values.
struct ProblemOptions {
  int64_t batch = 1, qHeads = 1, kvHeads = 1, qLen = 1, kvLen = 1;
  int64_t headDim = 1, valueDim = 1;
  ElementKind dtype = ElementKind::F32;
  reference::Normalization normalization = reference::Normalization::Softmax;
  std::optional<double> scale, sigmoidBias, softcap;
  std::vector<int64_t> headMap;
  /// Empty, or one per batch row: kv_lengths of attn.attention, or with
  /// --segments the suffix_lengths of the last (per_row) segment.
  std::vector<int64_t> kvLengths;
  std::vector<reference::Mask> headMasks; // empty, one, or one per head
  bool alibi = false;
  std::optional<std::pair<int64_t, int64_t>> bias;        // (bb, bh)
  std::optional<std::pair<int64_t, int64_t>> temperature; // (tb, th)
  std::optional<std::pair<int64_t, int64_t>> blockSizes;  // (qbs, kbs)
  bool fullBlocks = false;
  bool blockDuplicates = false;
  bool relposScoreMod = false;
  bool mod3MaskMod = false;
  bool doc48MaskMod = false;
  bool lse = false;
  std::vector<Segment> segments; // non-empty selects the prefix layout
  uint64_t seed = 0;
};

/// Parsers for the compound flag values; errors name the offending text.
llvm::Expected<reference::Mask> parseMask(llvm::StringRef spec);
llvm::Expected<std::vector<reference::Mask>>
parseHeadMasks(llvm::StringRef spec);
llvm::Expected<std::vector<int64_t>> parseIntList(llvm::StringRef spec,
                                                  char separator);
/// "AxB" or "A,B" (`separator`) into a pair of positive integers.
llvm::Expected<std::pair<int64_t, int64_t>>
parsePair(llvm::StringRef spec, char separator, llvm::StringRef flag);
llvm::Expected<std::vector<Segment>> parseSegments(llvm::StringRef spec);

/// A raw, 64-byte aligned buffer (vectorized kernels may assume alignment),
/// zero-filled, between inaccessible guard pages: it ends where its trailing
/// guard begins, so a kernel's read or write past its end (or further than
/// a page before its start) faults at once instead of touching a
/// neighbour's data or, depending on the heap's layout, crashing one run in
/// several.
class Buffer {
public:
  explicit Buffer(size_t bytes);
  void *data() const { return start; }

private:
  struct Unmap {
    size_t bytes;
    void operator()(void *mapping) const;
  };
  std::unique_ptr<void, Unmap> mapping;
  void *start = nullptr;
};

/// One argument of the entry function, dense row-major.
struct Argument {
  std::string name;
  ElementKind kind;
  std::vector<int64_t> shape;
  bool isOutput;
  Buffer buffer;

  int64_t numElements() const;
};

/// The arguments in calling order plus the reference's view of the problem.
struct Problem {
  ProblemOptions options;
  std::vector<Argument> arguments;
  /// The reference problem; for the prefix layout, plain attention over the
  /// per-row concatenation of the segments.
  reference::Config config;
  /// Q, K, V in the reference layout, holding exactly the dtype-rounded values
  /// that the kernel receives.
  std::vector<double> q, k, v;

  /// Validates `options` and draws every input from `options.seed`.
  static llvm::Expected<Problem> create(const ProblemOptions &options);

  /// Fills every output with NaN so that an unwritten element cannot pass.
  void poisonOutputs();
  const Argument &output() const;
  /// The LSE output, or null without --lse.
  const Argument *lseOutput() const;
};

/// Runs the float64 and same-precision references, prints one error line per
/// output and the count of rows without a visible key, and returns why the
/// kernel's outputs fail the acceptance rule (empty if they pass).
std::string checkResults(const Problem &problem);

} // namespace attune::runner

#endif // ATTUNE_TOOLS_ATTUNE_RUNNER_PROBLEM_H
