//===- Problem.cpp - the runner's problem, inputs and buffers ---*- C++ -*-===//
//
// Turns the runner's options into argument buffers and a reference::Config.
// Every input is drawn from one seeded generator in argument order, so a
// failing run is reproduced by its command line alone.
//
//===----------------------------------------------------------------------===//

#include "Problem.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <sys/mman.h>
#include <unistd.h>

using namespace attune;
using namespace attune::runner;
using attune::reference::Mask;
using attune::reference::Normalization;
using llvm::StringRef;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

StringRef attune::runner::toString(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::F16:
    return "f16";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::I32:
    return "i32";
  }
  return "?";
}

size_t attune::runner::elementBytes(ElementKind kind) {
  return kind == ElementKind::F16 || kind == ElementKind::BF16 ? 2 : 4;
}

static const llvm::fltSemantics &halfSemantics(ElementKind kind) {
  return kind == ElementKind::F16 ? llvm::APFloat::IEEEhalf()
                                  : llvm::APFloat::BFloat();
}

/// `value` in a 16-bit format, rounded once to nearest-even (APFloat does the
/// subnormal and overflow cases right, which a bit trick easily gets wrong).
static llvm::APFloat toHalf(ElementKind kind, double value) {
  llvm::APFloat f(value);
  bool losesInfo = false;
  f.convert(halfSemantics(kind), llvm::APFloat::rmNearestTiesToEven,
            &losesInfo);
  return f;
}

double attune::runner::roundTo(ElementKind kind, double value) {
  switch (kind) {
  case ElementKind::F32:
    return static_cast<float>(value);
  case ElementKind::F16:
  case ElementKind::BF16:
    return toHalf(kind, value).convertToDouble();
  case ElementKind::I32:
    return static_cast<int32_t>(value);
  }
  return value;
}

void attune::runner::storeElement(ElementKind kind, void *base, int64_t index,
                                  double value) {
  switch (kind) {
  case ElementKind::F32:
    static_cast<float *>(base)[index] = static_cast<float>(value);
    return;
  case ElementKind::F16:
  case ElementKind::BF16:
    static_cast<uint16_t *>(base)[index] = static_cast<uint16_t>(
        toHalf(kind, value).bitcastToAPInt().getZExtValue());
    return;
  case ElementKind::I32:
    static_cast<int32_t *>(base)[index] = static_cast<int32_t>(value);
    return;
  }
}

double attune::runner::loadElement(ElementKind kind, const void *base,
                                   int64_t index) {
  switch (kind) {
  case ElementKind::F32:
    return static_cast<const float *>(base)[index];
  case ElementKind::F16:
  case ElementKind::BF16: {
    uint16_t bits = static_cast<const uint16_t *>(base)[index];
    return llvm::APFloat(halfSemantics(kind), llvm::APInt(16, bits))
        .convertToDouble();
  }
  case ElementKind::I32:
    return static_cast<const int32_t *>(base)[index];
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// Buffers and arguments
//===----------------------------------------------------------------------===//

/// Inaccessible bytes on each side of a buffer: more than a key tile's rows
/// (a kernel reading tile -1 of a 128-row tile at D = 256 in f32 starts
/// 128 KiB early).
static constexpr size_t kGuardBytes = size_t(1) << 20;

void Buffer::Unmap::operator()(void *mapping) const {
  ::munmap(mapping, bytes);
}

Buffer::Buffer(size_t bytes) : mapping(nullptr, Unmap{0}) {
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  size_t pages = (rounded + page - 1) / page * page;
  size_t total = kGuardBytes + pages + kGuardBytes;
  void *region = ::mmap(nullptr, total, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED)
    llvm::report_fatal_error("attune-runner: cannot map " + llvm::Twine(total) +
                             " bytes for an argument");
  mapping = std::unique_ptr<void, Unmap>(region, Unmap{total});
  char *data = static_cast<char *>(region) + kGuardBytes;
  if (::mprotect(data, pages, PROT_READ | PROT_WRITE) != 0)
    llvm::report_fatal_error("attune-runner: cannot map an argument");
  // Anonymous pages are zero already.
  start = data + pages - rounded;
}

int64_t Argument::numElements() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

static Argument makeArgument(std::string name, ElementKind kind,
                             std::vector<int64_t> shape, bool isOutput) {
  int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t(1),
                              std::multiplies<int64_t>());
  return Argument{std::move(name), kind, std::move(shape), isOutput,
                  Buffer(n * elementBytes(kind))};
}

void Problem::poisonOutputs() {
  double nan = std::numeric_limits<double>::quiet_NaN();
  for (Argument &arg : arguments)
    if (arg.isOutput)
      for (int64_t e = 0, n = arg.numElements(); e < n; ++e)
        storeElement(arg.kind, arg.buffer.data(), e, nan);
}

const Argument &Problem::output() const {
  return *llvm::find_if(arguments, [](const Argument &a) {
    return a.isOutput && a.name == "output";
  });
}

const Argument *Problem::lseOutput() const {
  auto it = llvm::find_if(arguments, [](const Argument &a) {
    return a.isOutput && a.name == "lse";
  });
  return it == arguments.end() ? nullptr : &*it;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

static llvm::Error validate(const ProblemOptions &o) {
  const std::pair<int64_t, StringRef> sizes[] = {
      {o.batch, "batch"},       {o.qHeads, "q-heads"}, {o.kvHeads, "kv-heads"},
      {o.qLen, "q-len"},        {o.kvLen, "kv-len"},   {o.headDim, "head-dim"},
      {o.valueDim, "value-dim"}};
  for (auto [value, flag] : sizes)
    if (value < 1)
      return fail("--" + flag + " must be >= 1, got " + llvm::Twine(value));

  if (o.headMap.empty()) {
    if (o.qHeads % o.kvHeads != 0)
      return fail("--q-heads (" + llvm::Twine(o.qHeads) +
                  ") must be a multiple of --kv-heads (" +
                  llvm::Twine(o.kvHeads) + ") unless --head-map is given");
  } else {
    if (static_cast<int64_t>(o.headMap.size()) != o.qHeads)
      return fail("--head-map has " + llvm::Twine(o.headMap.size()) +
                  " entries, expected one per query head (" +
                  llvm::Twine(o.qHeads) + ")");
    for (int64_t kvh : o.headMap)
      if (kvh < 0 || kvh >= o.kvHeads)
        return fail("--head-map entry " + llvm::Twine(kvh) +
                    " is not a KV head in [0, " + llvm::Twine(o.kvHeads) + ")");
  }
  if (o.headMasks.size() > 1 &&
      static_cast<int64_t>(o.headMasks.size()) != o.qHeads)
    return fail("--head-masks has " + llvm::Twine(o.headMasks.size()) +
                " masks, expected one per query head (" +
                llvm::Twine(o.qHeads) + ")");

  bool sigmoid = o.normalization == Normalization::Sigmoid;
  if (sigmoid && o.lse)
    return fail("--lse needs --norm=softmax: sigmoid attention has no LSE");
  if (!sigmoid && o.sigmoidBias)
    return fail("--sigmoid-bias needs --norm=sigmoid");
  if (o.softcap && !(*o.softcap > 0))
    return fail("--softcap must be > 0");
  if (o.scale && !std::isfinite(*o.scale))
    return fail("--scale must be finite");

  auto checkExtents =
      [&](const std::optional<std::pair<int64_t, int64_t>> &extents,
          StringRef flag) -> llvm::Error {
    if (extents && extents->first != 1 && extents->first != o.batch)
      return fail("--" + flag + ": batch extent must be 1 or --batch");
    if (extents && extents->second != 1 && extents->second != o.qHeads)
      return fail("--" + flag + ": head extent must be 1 or --q-heads");
    return llvm::Error::success();
  };
  if (llvm::Error error = checkExtents(o.bias, "bias"))
    return error;
  if (llvm::Error error = checkExtents(o.temperature, "temperature"))
    return error;
  if (o.fullBlocks && !o.blockSizes)
    return fail("--full-blocks needs --block-mask");
  if (!o.kvLengths.empty() &&
      static_cast<int64_t>(o.kvLengths.size()) != o.batch)
    return fail("--kv-lengths lists " + llvm::Twine(o.kvLengths.size()) +
                " lengths, expected one per batch row (" +
                llvm::Twine(o.batch) + ")");
  if (!o.kvLengths.empty() && !o.segments.empty() &&
      o.segments.back().kind != Segment::Kind::PerRow)
    return fail("--kv-lengths with --segments makes the last segment ragged; "
                "it must be per_row");

  if (!o.segments.empty()) {
    if (o.alibi || o.bias || o.temperature || o.blockSizes)
      return fail("--segments does not take --alibi, --bias, --temperature "
                  "or --block-mask: the prefix layout has no slot for them");
    for (const Segment &s : o.segments)
      if (s.kind == Segment::Kind::Explicit &&
          static_cast<int64_t>(s.rows.size()) != o.batch)
        return fail("a rows= segment lists " + llvm::Twine(s.rows.size()) +
                    " instances, expected one per batch row (" +
                    llvm::Twine(o.batch) + ")");
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Input generation
//===----------------------------------------------------------------------===//

namespace {
/// Uniform doubles from a 64-bit Mersenne twister. The conversion is spelled
/// out because std::uniform_real_distribution differs between libraries.
struct Random {
  std::mt19937_64 engine;
  explicit Random(uint64_t seed) : engine(seed) {}
  double uniform(double lo, double hi) {
    double unit = static_cast<double>(engine() >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * unit;
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(engine() % n); }
};
} // namespace

/// Fills a floating-point argument with uniform values in [lo, hi] times
/// `factor`, rounded to its type; returns the rounded values.
static std::vector<double> fillUniform(Argument &arg, Random &rng, double lo,
                                       double hi, double factor = 1.0) {
  std::vector<double> values(arg.numElements());
  for (int64_t e = 0; e < arg.numElements(); ++e) {
    values[e] = roundTo(arg.kind, factor * rng.uniform(lo, hi));
    storeElement(arg.kind, arg.buffer.data(), e, values[e]);
  }
  return values;
}

/// Random disjoint partial / full block lists per query block, ascending as
/// FlexAttention builds them. One query block gets empty lists, so that
/// fully masked rows are always exercised; the others list at least one block.
static reference::BlockMask makeBlockMask(const ProblemOptions &o,
                                          Random &rng) {
  reference::BlockMask bm;
  bm.qBlockSize = o.blockSizes->first;
  bm.kvBlockSize = o.blockSizes->second;
  bm.numQBlocks = (o.qLen + bm.qBlockSize - 1) / bm.qBlockSize;
  bm.maxKvBlocks = (o.kvLen + bm.kvBlockSize - 1) / bm.kvBlockSize;
  bm.hasFull = o.fullBlocks;
  bm.maxFullBlocks = bm.maxKvBlocks;
  bm.kvNumBlocks.assign(bm.numQBlocks, 0);
  bm.kvIndices.assign(bm.numQBlocks * bm.maxKvBlocks, 0);
  bm.fullKvNumBlocks.assign(bm.numQBlocks, 0);
  bm.fullKvIndices.assign(bm.numQBlocks * bm.maxKvBlocks, 0);

  // With --block-duplicates the lists are not sets: each gets room for a
  // repeated entry, an entry of the other list and two out-of-range ones,
  // which the semantics (a union of listed blocks) must absorb.
  int64_t blocks = bm.maxKvBlocks;
  int64_t capacity = o.blockDuplicates ? blocks + 4 : blocks;
  bm.maxKvBlocks = bm.maxFullBlocks = capacity;
  bm.kvIndices.assign(bm.numQBlocks * capacity, 0);
  bm.fullKvIndices.assign(bm.numQBlocks * capacity, 0);

  int64_t emptyBlock = rng.below(bm.numQBlocks);
  for (int64_t qb = 0; qb < bm.numQBlocks; ++qb) {
    if (qb == emptyBlock)
      continue;
    // 0: not listed, 1: partial, 2: full.
    std::vector<int> role(blocks);
    for (int &r : role)
      r = static_cast<int>(rng.below(o.fullBlocks ? 3 : 2));
    if (llvm::all_of(role, [](int r) { return r == 0; }))
      role[rng.below(blocks)] = 1;
    int32_t *partial = &bm.kvIndices[qb * capacity];
    int32_t *full = &bm.fullKvIndices[qb * capacity];
    for (int64_t kb = 0; kb < blocks; ++kb) {
      if (role[kb] == 1)
        partial[bm.kvNumBlocks[qb]++] = kb;
      else if (role[kb] == 2)
        full[bm.fullKvNumBlocks[qb]++] = kb;
    }
    if (o.blockDuplicates) {
      int32_t &n = bm.kvNumBlocks[qb];
      if (n > 0)
        partial[n] = partial[0], ++n;          // repeated
      if (bm.fullKvNumBlocks[qb] > 0)
        partial[n++] = full[0];                // also listed as full
      partial[n++] = static_cast<int32_t>(blocks + 2); // past Lk
      partial[n++] = -1;                       // negative
    }
  }
  return bm;
}

static Argument &addI32(Problem &p, std::string name,
                        std::vector<int64_t> shape,
                        const std::vector<int32_t> &values) {
  p.arguments.push_back(
      makeArgument(std::move(name), ElementKind::I32, std::move(shape), false));
  std::memcpy(p.arguments.back().buffer.data(), values.data(),
              values.size() * sizeof(int32_t));
  return p.arguments.back();
}

/// Scatters segment instances into the reference's [B, Hkv, Lk, dim] layout:
/// row b reads instance instanceFor(b) of every segment, in segment order.
static std::vector<double>
concatenateSegments(const ProblemOptions &o,
                    const std::vector<std::vector<double>> &parts,
                    int64_t kvLen, int64_t dim) {
  std::vector<double> out(o.batch * o.kvHeads * kvLen * dim);
  for (int64_t b = 0; b < o.batch; ++b) {
    int64_t offset = 0;
    for (size_t s = 0; s < o.segments.size(); ++s) {
      const Segment &seg = o.segments[s];
      int64_t inst = seg.instanceFor(b);
      for (int64_t h = 0; h < o.kvHeads; ++h)
        for (int64_t j = 0; j < seg.length; ++j)
          for (int64_t d = 0; d < dim; ++d)
            out[((b * o.kvHeads + h) * kvLen + offset + j) * dim + d] =
                parts[s][((inst * o.kvHeads + h) * seg.length + j) * dim + d];
      offset += seg.length;
    }
  }
  return out;
}

llvm::Expected<Problem> Problem::create(const ProblemOptions &options) {
  if (llvm::Error error = validate(options))
    return std::move(error);

  Problem p;
  p.options = options;
  ProblemOptions &o = p.options;
  if (!o.segments.empty()) {
    o.kvLen = 0;
    for (const Segment &s : o.segments)
      o.kvLen += s.length;
  }
  Random rng(o.seed);
  auto add = [&](std::string name, ElementKind kind, std::vector<int64_t> shape,
                 bool isOutput) -> Argument & {
    p.arguments.push_back(
        makeArgument(std::move(name), kind, std::move(shape), isOutput));
    return p.arguments.back();
  };

  // Q is scaled by 2 so that softmax is far from flat and weights matter.
  p.q = fillUniform(
      add("q", o.dtype, {o.batch, o.qHeads, o.qLen, o.headDim}, false), rng, -1,
      1, 2.0);
  if (o.segments.empty()) {
    p.k = fillUniform(
        add("k", o.dtype, {o.batch, o.kvHeads, o.kvLen, o.headDim}, false), rng,
        -1, 1);
    p.v = fillUniform(
        add("v", o.dtype, {o.batch, o.kvHeads, o.kvLen, o.valueDim}, false),
        rng, -1, 1);
  } else {
    std::vector<std::vector<double>> keys, values;
    for (auto [idx, seg] : llvm::enumerate(o.segments))
      keys.push_back(fillUniform(
          add("k" + std::to_string(idx), o.dtype,
              {seg.numInstances(o.batch), o.kvHeads, seg.length, o.headDim},
              false),
          rng, -1, 1));
    for (auto [idx, seg] : llvm::enumerate(o.segments))
      values.push_back(fillUniform(
          add("v" + std::to_string(idx), o.dtype,
              {seg.numInstances(o.batch), o.kvHeads, seg.length, o.valueDim},
              false),
          rng, -1, 1));
    p.k = concatenateSegments(o, keys, o.kvLen, o.headDim);
    p.v = concatenateSegments(o, values, o.kvLen, o.valueDim);
  }

  reference::Config &c = p.config;
  c.batch = o.batch;
  c.qHeads = o.qHeads;
  c.kvHeads = o.kvHeads;
  c.qLen = o.qLen;
  c.kvLen = o.kvLen;
  c.headDim = o.headDim;
  c.valueDim = o.valueDim;
  c.scale = o.scale;
  c.normalization = o.normalization;
  c.sigmoidBias = o.sigmoidBias;
  c.headMap = o.headMap;
  c.headMasks = o.headMasks;
  c.softcap = o.softcap;

  if (o.alibi) {
    Argument &slopes = add("alibi_slopes", ElementKind::F32, {o.qHeads}, false);
    for (int64_t h = 0; h < o.qHeads; ++h) {
      double slope = roundTo(ElementKind::F32,
                             std::exp2(-8.0 * static_cast<double>(h + 1) /
                                       static_cast<double>(o.qHeads)));
      storeElement(ElementKind::F32, slopes.buffer.data(), h, slope);
      c.alibiSlopes.push_back(slope);
    }
  }
  if (o.bias) {
    auto [bb, bh] = *o.bias;
    c.bias =
        reference::Broadcast{fillUniform(add("bias", ElementKind::F32,
                                             {bb, bh, o.qLen, o.kvLen}, false),
                                         rng, -1, 1),
                             bb, bh};
  }
  if (o.temperature) {
    auto [tb, th] = *o.temperature;
    c.temperature =
        reference::Broadcast{fillUniform(add("temperature", ElementKind::F32,
                                             {tb, th, o.qLen}, false),
                                         rng, 0.5, 2),
                             tb, th};
  }
  if (!o.kvLengths.empty()) {
    // Ragged rows; with segments the lengths are the last segment's.
    std::vector<int32_t> lengths(o.kvLengths.begin(), o.kvLengths.end());
    addI32(p, o.segments.empty() ? "kv_lengths" : "suffix_lengths",
           {o.batch}, lengths);
    int64_t before = 0;
    if (!o.segments.empty())
      for (size_t s = 0; s + 1 < o.segments.size(); ++s)
        before += o.segments[s].length;
    int64_t last = o.segments.empty() ? o.kvLen : o.segments.back().length;
    for (int64_t n : o.kvLengths)
      c.kvLengths.push_back(
          o.segments.empty() ? n : before + std::clamp<int64_t>(n, 0, last));
  }
  if (o.blockSizes) {
    c.blockMask = makeBlockMask(o, rng);
    const reference::BlockMask &bm = *c.blockMask;
    addI32(p, "kv_num_blocks", {1, 1, bm.numQBlocks}, bm.kvNumBlocks);
    addI32(p, "kv_indices", {1, 1, bm.numQBlocks, bm.maxKvBlocks},
           bm.kvIndices);
    if (o.fullBlocks) {
      addI32(p, "full_kv_num_blocks", {1, 1, bm.numQBlocks},
             bm.fullKvNumBlocks);
      addI32(p, "full_kv_indices", {1, 1, bm.numQBlocks, bm.maxFullBlocks},
             bm.fullKvIndices);
    }
  }
  if (o.relposScoreMod)
    c.scoreMod = [](double s, int64_t, int64_t h, int64_t i, int64_t j) {
      return s + 0.05 * static_cast<double>(i - j) * static_cast<double>(h + 1);
    };
  if (o.mod3MaskMod)
    c.maskMod = [](int64_t b, int64_t h, int64_t i, int64_t j) {
      return (i + j + b + h) % 3 != 0;
    };
  if (o.doc48MaskMod)
    c.maskMod = [](int64_t, int64_t, int64_t i, int64_t j) {
      return i / 48 == j / 48;
    };

  add("output", o.dtype, {o.batch, o.qHeads, o.qLen, o.valueDim}, true);
  if (o.lse)
    add("lse", ElementKind::F32, {o.batch, o.qHeads, o.qLen}, true);
  return std::move(p);
}
