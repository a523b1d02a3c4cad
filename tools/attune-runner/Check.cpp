//===- Check.cpp - attune-runner's acceptance rule --------------*- C++ -*-===//
//
// FlashAttention's accuracy rule: the kernel's error against float64 may be at
// most twice the error of a same-precision reference, plus a small absolute
// slack for the dtype. Exactness is required where the semantics leave no
// rounding: rows without a visible key are 0 (LSE -inf), and NaN never passes.
//
//===----------------------------------------------------------------------===//

#include "Problem.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>

using namespace attune::runner;
namespace ref = attune::reference;

/// |a - b| that calls equal infinities equal, so that -inf LSEs compare.
static double distance(double a, double b) {
  return a == b ? 0.0 : std::fabs(a - b);
}

/// Compares one output; appends to `reason` and returns false on failure.
/// `emptyRow[r]` marks rows without a visible key, which must equal `empty`.
static bool checkOutput(llvm::StringRef label, const std::vector<double> &got,
                        const std::vector<double> &ref64,
                        const std::vector<double> &ref32,
                        const std::vector<char> &emptyRow, int64_t perRow,
                        double empty, double atol, std::string &reason) {
  double maxErr = 0, samePrecisionErr = 0;
  int64_t nans = 0, badEmpty = 0;
  for (size_t e = 0; e < got.size(); ++e) {
    if (std::isnan(got[e]))
      ++nans;
    if (emptyRow[e / perRow]) {
      badEmpty += got[e] != empty;
      continue;
    }
    maxErr = std::max(maxErr, distance(got[e], ref64[e]));
    samePrecisionErr = std::max(samePrecisionErr, distance(ref32[e], ref64[e]));
  }
  double bound = 2 * samePrecisionErr + atol;
  llvm::outs() << label << ": max_err=" << llvm::format("%.3e", maxErr)
               << " same_precision_err="
               << llvm::format("%.3e", samePrecisionErr)
               << " bound=" << llvm::format("%.3e", bound)
               << " elements=" << got.size() << "\n";

  std::string before = reason;
  auto note = [&](const llvm::Twine &what) {
    reason += (reason.empty() ? "" : "; ") + (label + ": " + what).str();
  };
  if (nans)
    note(llvm::Twine(nans) + " NaN elements");
  if (badEmpty)
    note(llvm::Twine(badEmpty) + " elements of rows without a visible key " +
         "are not " + (std::isinf(empty) ? "-inf" : "0"));
  if (!(maxErr <= bound))
    note("max_err exceeds the bound");
  return reason == before;
}

static double absoluteTolerance(ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return 2.5e-4;
  case ElementKind::BF16:
    return 2e-3;
  default:
    return 1e-6;
  }
}

std::string attune::runner::checkResults(const Problem &p) {
  const ref::Config &c = p.config;
  int64_t rows = c.batch * c.qHeads * c.qLen;
  std::vector<char> emptyRow(rows, 1);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.qHeads; ++h)
      for (int64_t i = 0; i < c.qLen; ++i)
        for (int64_t j = 0;
             j < c.kvLen && emptyRow[(b * c.qHeads + h) * c.qLen + i]; ++j)
          if (c.visible(b, h, i, j))
            emptyRow[(b * c.qHeads + h) * c.qLen + i] = 0;

  int64_t outSize = rows * c.valueDim;
  std::vector<double> o64(outSize), lse64(rows);
  ref::attention<double>(c, p.q.data(), p.k.data(), p.v.data(), o64.data(),
                         lse64.data());
  // The inputs are already rounded to the dtype, hence exact in float.
  std::vector<float> q32(p.q.begin(), p.q.end()), k32(p.k.begin(), p.k.end()),
      v32(p.v.begin(), p.v.end()), o32(outSize), lseF32(rows);
  ref::attention<float>(c, q32.data(), k32.data(), v32.data(), o32.data(),
                        lseF32.data());

  ElementKind kind = p.options.dtype;
  std::vector<double> got(outSize), same(outSize);
  for (int64_t e = 0; e < outSize; ++e) {
    got[e] = loadElement(kind, p.output().buffer.data(), e);
    same[e] = roundTo(kind, o32[e]);
  }
  std::string reason;
  double atol = absoluteTolerance(kind);
  checkOutput("output", got, o64, same, emptyRow, c.valueDim, 0.0, atol,
              reason);
  if (const Argument *lseArg = p.lseOutput()) {
    std::vector<double> gotLse(rows), sameLse(lseF32.begin(), lseF32.end());
    for (int64_t r = 0; r < rows; ++r)
      gotLse[r] = loadElement(ElementKind::F32, lseArg->buffer.data(), r);
    checkOutput("lse", gotLse, lse64, sameLse, emptyRow, 1,
                -std::numeric_limits<double>::infinity(), atol, reason);
  }
  llvm::outs() << "fully-masked rows: " << llvm::count(emptyRow, 1) << "\n";
  return reason;
}
