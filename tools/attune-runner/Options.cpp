//===- Options.cpp - parsers of attune-runner's compound flags --*- C++ -*-===//
//
// The values of --mask, --head-masks, --head-map, --bias, --block-mask and
// --segments are small languages; their parsers live here so that errors can
// quote the offending text.
//
//===----------------------------------------------------------------------===//

#include "Problem.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>

using namespace attune::runner;
using attune::reference::Mask;
using llvm::StringRef;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

llvm::Expected<std::vector<int64_t>>
attune::runner::parseIntList(StringRef spec, char separator) {
  llvm::SmallVector<StringRef> parts;
  spec.split(parts, separator);
  std::vector<int64_t> values;
  for (StringRef part : parts) {
    int64_t value;
    if (part.trim().getAsInteger(10, value))
      return fail("'" + part + "' is not an integer (in '" + spec + "')");
    values.push_back(value);
  }
  return values;
}

llvm::Expected<std::pair<int64_t, int64_t>>
attune::runner::parsePair(StringRef spec, char separator, StringRef flag) {
  auto values = parseIntList(spec, separator);
  if (!values)
    return values.takeError();
  if (values->size() != 2 || (*values)[0] < 1 || (*values)[1] < 1)
    return fail("--" + flag + "='" + spec + "': expected two positive " +
                "integers separated by '" + llvm::Twine(separator) + "'");
  return std::make_pair((*values)[0], (*values)[1]);
}

llvm::Expected<Mask> attune::runner::parseMask(StringRef spec) {
  spec = spec.trim();
  if (spec == "none")
    return Mask{-1, -1, 0};
  if (spec == "causal")
    return Mask{-1, 0, 0};
  if (!spec.consume_front("window:"))
    return fail("mask '" + spec + "': expected none, causal or " +
                "window:LEFT,RIGHT[,SINKS]");
  auto values = parseIntList(spec, ',');
  if (!values)
    return values.takeError();
  if (values->size() < 2 || values->size() > 3)
    return fail("window '" + spec + "': expected LEFT,RIGHT[,SINKS]");
  Mask mask{(*values)[0], (*values)[1], values->size() == 3 ? (*values)[2] : 0};
  if (mask.left < -1 || mask.right < -1 || mask.sinks < 0)
    return fail("window '" + spec + "': LEFT and RIGHT must be >= -1 " +
                "(-1 = unbounded), SINKS >= 0");
  return mask;
}

llvm::Expected<std::vector<Mask>>
attune::runner::parseHeadMasks(StringRef spec) {
  llvm::SmallVector<StringRef> parts;
  spec.split(parts, ';');
  std::vector<Mask> masks;
  for (StringRef part : parts) {
    auto mask = parseMask(part);
    if (!mask)
      return mask.takeError();
    masks.push_back(*mask);
  }
  return masks;
}

llvm::Expected<std::vector<Segment>>
attune::runner::parseSegments(StringRef spec) {
  llvm::SmallVector<StringRef> parts;
  spec.split(parts, ';');
  std::vector<Segment> segments;
  for (StringRef part : parts) {
    auto [head, lengthText] = part.trim().rsplit(':');
    Segment segment;
    if (lengthText.getAsInteger(10, segment.length) || segment.length < 0)
      return fail("segment '" + part + "': expected KIND:LEN with LEN >= 0");
    if (head == "shared") {
      segment.kind = Segment::Kind::Shared;
    } else if (head == "per_row") {
      segment.kind = Segment::Kind::PerRow;
    } else if (head.consume_front("rows=")) {
      segment.kind = Segment::Kind::Explicit;
      auto rows = parseIntList(head, '/');
      if (!rows)
        return rows.takeError();
      if (llvm::any_of(*rows, [](int64_t r) { return r < 0; }))
        return fail("segment '" + part + "': negative instance index");
      segment.rows = std::move(*rows);
    } else {
      return fail("segment '" + part + "': expected shared:LEN, per_row:LEN " +
                  "or rows=I/I/...:LEN");
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

int64_t Segment::numInstances(int64_t batch) const {
  switch (kind) {
  case Kind::Shared:
    return 1;
  case Kind::PerRow:
    return batch;
  case Kind::Explicit:
    return *std::max_element(rows.begin(), rows.end()) + 1;
  }
  return 1;
}

int64_t Segment::instanceFor(int64_t b) const {
  switch (kind) {
  case Kind::Shared:
    return 0;
  case Kind::PerRow:
    return b;
  case Kind::Explicit:
    return rows[b];
  }
  return 0;
}
