//===- AttnAttrs.cpp - attn dialect attributes ----------------------------===//
//
// Parsing, printing and verification of masks and KV segments.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#define GET_ATTRDEF_CLASSES
#include "attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/IR/AttnAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// MaskAttr
//===----------------------------------------------------------------------===//

// Syntax: `<none>`, `<causal>`, `<window left = L, right = R, sinks = S>`
// where each field of a window is optional (defaults -1, -1, 0).
Attribute MaskAttr::parse(AsmParser &parser, Type) {
  int64_t left = -1, right = -1, sinks = 0;
  StringRef kind;
  if (parser.parseLess() || parser.parseKeyword(&kind))
    return {};
  if (kind == "causal") {
    right = 0;
  } else if (kind == "window") {
    llvm::SmallDenseSet<StringRef> seen;
    auto parseField = [&]() -> ParseResult {
      StringRef name;
      SMLoc loc = parser.getCurrentLocation();
      if (parser.parseKeyword(&name) || parser.parseEqual())
        return failure();
      int64_t *field = llvm::StringSwitch<int64_t *>(name)
                           .Case("left", &left)
                           .Case("right", &right)
                           .Case("sinks", &sinks)
                           .Default(nullptr);
      if (!field)
        return parser.emitError(loc, "unknown window field '")
               << name << "' (expected left, right or sinks)";
      if (!seen.insert(name).second)
        return parser.emitError(loc, "window field '") << name
                                                       << "' given twice";
      return parser.parseInteger(*field);
    };
    // `#attn.mask<window>` alone leaves every field at its default.
    if (failed(parser.parseOptionalGreater())) {
      if (parser.parseCommaSeparatedList(parseField) || parser.parseGreater())
        return {};
    }
    return parser.getChecked<MaskAttr>(parser.getContext(), left, right,
                                       sinks);
  } else if (kind != "none") {
    parser.emitError(parser.getNameLoc(), "unknown mask kind '")
        << kind << "' (expected none, causal or window)";
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<MaskAttr>(parser.getContext(), left, right, sinks);
}

void MaskAttr::print(AsmPrinter &printer) const {
  printer << '<';
  if (isNone() && getSinks() == 0) {
    printer << "none";
  } else if (isCausal()) {
    printer << "causal";
  } else {
    printer << "window left = " << getLeft() << ", right = " << getRight();
    if (getSinks() != 0)
      printer << ", sinks = " << getSinks();
  }
  printer << '>';
}

LogicalResult MaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t left, int64_t right, int64_t sinks) {
  if (left < -1 || right < -1)
    return emitError() << "window bounds must be >= 0, or -1 for unbounded; "
                          "got left = "
                       << left << ", right = " << right;
  if (sinks < 0)
    return emitError() << "sink count must be >= 0; got " << sinks;
  if (sinks > 0 && left < 0)
    return emitError() << "sink tokens need a bounded left window";
  return success();
}

//===----------------------------------------------------------------------===//
// SegmentAttr
//===----------------------------------------------------------------------===//

// Syntax: `<shared>`, `<per_row>`, `<rows [i0, i1, ...]>`.
Attribute SegmentAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<SegmentKind> kind = symbolizeSegmentKind(keyword);
  if (!kind) {
    parser.emitError(loc, "unknown segment kind '")
        << keyword << "' (expected shared, per_row or rows)";
    return {};
  }
  SmallVector<int64_t> rows;
  if (*kind == SegmentKind::Rows) {
    auto parseRow = [&]() { return parser.parseInteger(rows.emplace_back()); };
    if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseRow))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<SegmentAttr>(parser.getContext(), *kind, rows);
}

void SegmentAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifySegmentKind(getKind());
  if (getKind() == SegmentKind::Rows) {
    printer << " [";
    llvm::interleaveComma(getRows(), printer);
    printer << ']';
  }
  printer << '>';
}

LogicalResult
SegmentAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                    SegmentKind kind, ArrayRef<int64_t> rows) {
  if (kind != SegmentKind::Rows) {
    if (!rows.empty())
      return emitError() << "only a 'rows' segment lists rows";
    return success();
  }
  if (rows.empty())
    return emitError() << "a 'rows' segment needs one instance per batch row";
  for (int64_t row : rows)
    if (row < 0)
      return emitError() << "segment instances must be >= 0; got " << row;
  return success();
}
