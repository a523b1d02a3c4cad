//===- KernelABI.cpp - the C view of a kernel and its header --------------===//

#include "attune/Target/CPU/KernelABI.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/KernelForm.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::attune;

std::string attune::implName(StringRef name) {
  return ("__attune_impl_" + name).str();
}

namespace {

/// Dimension `dim` of function argument `arg`.
using DimRef = std::pair<unsigned, unsigned>;

/// Collects which argument dimensions must be equal, and names arguments
/// and dimensions after their role in the attn ops of a function.
class SignatureBuilder {
public:
  explicit SignatureBuilder(func::FuncOp func) : func(func) {
    names.resize(func.getNumArguments());
  }

  /// Names `value`'s argument `role` and ties its dims to the named sizes:
  /// dims[i] is the size name of dim i ("" for none). A static dim fixes its
  /// size (the entry point then checks it), except a leading extent of 1 of
  /// an operand that broadcasts there (`broadcasts`).
  void bind(Value value, StringRef role, ArrayRef<StringRef> dims,
            StringRef suffix, bool broadcasts = false) {
    if (!value)
      return;
    std::optional<unsigned> arg = kernelArgumentOf(func, value);
    if (!arg)
      return;
    if (names[*arg].empty())
      names[*arg] = (role + suffix).str();
    auto type = cast<ShapedType>(func.getArgumentTypes()[*arg]);
    for (auto [i, size] : llvm::enumerate(dims)) {
      if (size.empty() || i >= static_cast<size_t>(type.getRank()))
        continue;
      if (!type.isDynamicDim(i)) {
        if (!(broadcasts && i < 2 && type.getDimSize(i) == 1))
          fixed.try_emplace((size + suffix).str(), type.getDimSize(i));
        continue;
      }
      DimRef dim = {*arg, static_cast<unsigned>(i)};
      std::string sizeName = (size + suffix).str();
      classes.insert(dim);
      auto [it, inserted] = leaders.try_emplace(sizeName, dim);
      if (!inserted)
        classes.unionSets(it->second, dim);
      sizeNames.try_emplace(dim, sizeName);
    }
  }

  func::FuncOp func;
  std::vector<std::string> names;
  llvm::EquivalenceClasses<DimRef> classes;
  std::map<std::string, DimRef> leaders;
  std::map<DimRef, std::string> sizeNames;
  std::map<std::string, int64_t> fixed; // sizes some static extent fixes
};

StringRef elementName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isInteger(32))
    return "i32";
  return "";
}

StringRef cType(StringRef element) {
  if (element == "f32")
    return "float";
  if (element == "i32")
    return "int32_t";
  return "uint16_t";
}

} // namespace

/// The output argument attribute naming, per dim of a dynamic result, the
/// argument dim it equals: [arg, dim] pairs flattened, -1 where static.
static constexpr StringLiteral kDimsOfAttr = "attune.dims_of";

/// The (argument, dim) of `func` whose extent provably equals dim `d` of
/// `value` (through the ops' shape semantics: destination operands,
/// tensor.empty sizes, tensor.dim of arguments, reshapes).
static std::optional<std::pair<int64_t, int64_t>>
argumentDimOf(func::FuncOp func, Value value, int64_t d) {
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      continue;
    for (int64_t k = 0; k < type.getRank(); ++k) {
      if (!type.isDynamicDim(k))
        continue;
      FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(
          ValueBoundsConstraintSet::Variable(value, d),
          ValueBoundsConstraintSet::Variable(arg, k));
      if (succeeded(equal) && *equal)
        return std::make_pair(static_cast<int64_t>(arg.getArgNumber()), k);
    }
  }
  return std::nullopt;
}

LogicalResult attune::resultsToOutputArguments(func::FuncOp func) {
  if (func.getNumResults() == 0 || func.isDeclaration())
    return success();
  FunctionType type = func.getFunctionType();
  SmallVector<func::ReturnOp> returns;
  func.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
  SmallVector<Type> outputs;
  SmallVector<DictionaryAttr> outputAttrs;
  for (auto [i, result] : llvm::enumerate(type.getResults())) {
    auto tensor = dyn_cast<RankedTensorType>(result);
    if (!tensor)
      return func.emitError("attune-compile: a kernel result must be a "
                            "ranked tensor to become an output argument, not ")
             << result;
    // A dynamic extent must be one of the inputs' (the caller sizes the
    // output from them): the same argument dim at every return.
    SmallVector<int64_t> dimsOf;
    for (int64_t d = 0; d < tensor.getRank(); ++d) {
      if (!tensor.isDynamicDim(d)) {
        dimsOf.append({-1, -1});
        continue;
      }
      std::optional<std::pair<int64_t, int64_t>> source;
      for (func::ReturnOp ret : returns) {
        auto found = argumentDimOf(func, ret.getOperand(i), d);
        if (!found || (source && *source != *found)) {
          source.reset();
          break;
        }
        source = found;
      }
      if (!source)
        return func.emitError("attune-compile: dimension ")
               << d << " of result " << i << " (" << result
               << ") is not provably a dimension of an argument; the caller "
                  "could not size the output";
      dimsOf.append({source->first, source->second});
    }
    outputs.push_back(
        MemRefType::get(tensor.getShape(), tensor.getElementType()));
    Builder b(func.getContext());
    outputAttrs.push_back(
        tensor.hasStaticShape()
            ? b.getDictionaryAttr({})
            : b.getDictionaryAttr(
                  b.getNamedAttr(kDimsOfAttr, b.getDenseI64ArrayAttr(dimsOf))));
  }
  func.getContext()->getOrLoadDialect<bufferization::BufferizationDialect>();
  Block &entry = func.getBody().front();
  unsigned first = func.getNumArguments();
  SmallVector<Location> locs(outputs.size(), func.getLoc());
  // All appended: each inserted before the original end.
  if (failed(func.insertArguments(SmallVector<unsigned>(outputs.size(), first),
                                  outputs, outputAttrs, locs)))
    return failure();
  for (func::ReturnOp ret : returns) {
    OpBuilder b(ret);
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      auto store = bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), TypeRange{}, value, entry.getArgument(first + i));
      store.setRestrict(true);
      store.setWritable(true);
    }
    func::ReturnOp::create(b, ret.getLoc());
    ret.erase();
  }
  func.setType(
      FunctionType::get(func.getContext(), func.getArgumentTypes(), {}));
  return success();
}

FailureOr<KernelSignature> attune::analyzeKernel(func::FuncOp func) {
  if (func.getNumResults() != 0)
    return func.emitError("attune-compile: a kernel returns nothing; write "
                          "results into memref arguments "
                          "(bufferization.materialize_in_destination)");
  StringRef name = func.getSymName();
  bool identifier =
      !name.empty() && !llvm::isDigit(name.front()) &&
      llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
  if (!identifier)
    return func.emitError("attune-compile: @")
           << name << " is not a C identifier; rename the function";
  SignatureBuilder builder(func);
  SmallVector<std::string> summary;
  // (block counts, queries, query-block rows) to check at the entry point.
  SmallVector<std::tuple<Value, Value, int64_t>> lists;
  unsigned count = 0;
  // One summary line per op: heads, dims, normalization, scale, mask.
  auto describe = [&](auto op, StringRef kind, StringRef suffix,
                      StringRef extra) {
    std::string line;
    llvm::raw_string_ostream os(line);
    os << kind << suffix << ": Hq=" << op.getNumQueryHeads()
       << " Hkv=" << op.getNumKvHeads() << " D=" << op.getHeadDim()
       << " Dv=" << op.getValueHeadDim() << " "
       << stringifyNormalization(op.getNormalization())
       << " scale=" << op.getScaleOrDefault() << extra;
    if (auto mask = op.getMaskAttr())
      os << " mask=" << mask;
    if (op.getHeadMasksAttr())
      os << " (per-head masks)";
    summary.push_back(line);
  };
  WalkResult walk = func.walk([&](Operation *op) {
    std::string suffix = count ? "_" + std::to_string(count) : "";
    StringRef b = "batch", lq = "q_len", lk = "kv_len";
    if (auto prefix = dyn_cast<attn::PrefixAttentionOp>(op)) {
      // Segment s: keys k_s / values v_s of [N_s, Hkv, seg<s>_len, D], N_s
      // the batch for per_row segments (static otherwise).
      ++count;
      builder.bind(prefix.getQuery(), "q", {b, "", lq, ""}, suffix);
      builder.bind(prefix.getOutput(), "out", {b, "", lq, ""}, suffix);
      builder.bind(prefix.getLse(), "lse", {b, "", lq}, suffix);
      builder.bind(prefix.getSuffixLengths(), "suffix_lengths", {b}, suffix);
      std::string segments;
      for (auto [s, attr] : llvm::enumerate(prefix.getSegments())) {
        auto segment = cast<attn::SegmentAttr>(attr);
        bool perRow = segment.getKind() == attn::SegmentKind::PerRow;
        std::string length = "seg" + std::to_string(s) + "_len";
        std::string index = std::to_string(s);
        StringRef instances = perRow ? b : StringRef();
        builder.bind(prefix.getKeys()[s], "k" + index,
                     {instances, "", length, ""}, suffix);
        builder.bind(prefix.getValues()[s], "v" + index,
                     {instances, "", length, ""}, suffix);
        segments +=
            (s ? ", " : "") + stringifySegmentKind(segment.getKind()).str();
      }
      describe(prefix, "prefix_attention", suffix,
               " segments=[" + segments + "]");
      return WalkResult::advance();
    }
    auto attention = dyn_cast<attn::AttentionOp>(op);
    if (!attention)
      return WalkResult::advance();
    ++count;
    builder.bind(attention.getQuery(), "q", {b, "", lq, ""}, suffix);
    builder.bind(attention.getKey(), "k", {b, "", lk, ""}, suffix);
    builder.bind(attention.getValue(), "v", {b, "", lk, ""}, suffix);
    builder.bind(attention.getOutput(), "out", {b, "", lq, ""}, suffix);
    builder.bind(attention.getLse(), "lse", {b, "", lq}, suffix);
    builder.bind(attention.getAlibiSlopes(), "alibi_slopes", {}, suffix);
    builder.bind(attention.getBias(), "bias", {b, "", lq, lk}, suffix, true);
    builder.bind(attention.getTemperature(), "temperature", {b, "", lq}, suffix,
                 true);
    builder.bind(attention.getKvLengths(), "kv_lengths", {b}, suffix);
    // Block lists: [B|1, H|1, q_blocks] counts, [.., q_blocks, capacity]
    // indices; their extents are sizes of their own.
    StringRef qb = "q_blocks";
    builder.bind(attention.getKvNumBlocks(), "kv_num_blocks", {b, "", qb},
                 suffix, true);
    builder.bind(attention.getKvIndices(), "kv_indices",
                 {b, "", qb, "kv_blocks"}, suffix, true);
    builder.bind(attention.getFullKvNumBlocks(), "full_kv_num_blocks",
                 {b, "", qb}, suffix, true);
    builder.bind(attention.getFullKvIndices(), "full_kv_indices",
                 {b, "", qb, "full_kv_blocks"}, suffix, true);
    if (DenseI64ArrayAttr blockSize = attention.getBlockSizeAttr())
      for (Value counts :
           {attention.getKvNumBlocks(), attention.getFullKvNumBlocks()})
        if (counts)
          lists.emplace_back(counts, attention.getQuery(),
                             blockSize.asArrayRef()[0]);
    describe(attention, "attention", suffix, "");
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  // A model's outputs: each dynamic extent is an input's (dims_of), and an
  // input extent no attn op names is a size of its own, `<arg>_dim<d>`.
  auto ownSize = [&](DimRef dim) {
    std::string name =
        (builder.names[dim.first].empty() ? "arg" + std::to_string(dim.first)
                                          : builder.names[dim.first]) +
        "_dim" + std::to_string(dim.second);
    builder.classes.insert(dim);
    builder.leaders.try_emplace(name, dim);
    builder.sizeNames.try_emplace(dim, name);
  };
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto dimsOf = func.getArgAttrOfType<DenseI64ArrayAttr>(i, kDimsOfAttr);
    if (!dimsOf)
      continue;
    for (int64_t d = 0; 2 * d + 1 < dimsOf.size(); ++d) {
      int64_t arg = dimsOf[2 * d], k = dimsOf[2 * d + 1];
      if (arg < 0)
        continue;
      DimRef input = {static_cast<unsigned>(arg), static_cast<unsigned>(k)};
      DimRef output = {static_cast<unsigned>(i), static_cast<unsigned>(d)};
      if (!builder.classes.contains(input))
        ownSize(input);
      builder.classes.unionSets(input, output);
    }
  }
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      continue;
    for (int64_t d = 0; d < tensor.getRank(); ++d) {
      DimRef dim = {static_cast<unsigned>(i), static_cast<unsigned>(d)};
      if (tensor.isDynamicDim(d) && !builder.classes.contains(dim))
        ownSize(dim);
    }
  }

  KernelSignature sig;
  sig.name = func.getSymName().str();
  sig.summary = llvm::join(summary, "\n");
  std::map<DimRef, int> sizeIndex; // leader -> index into sig.sizes
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    KernelArgument arg;
    arg.name = builder.names[i];
    if (arg.name.empty())
      arg.name = (isa<MemRefType>(type) ? "out" : "arg") + std::to_string(i);
    auto shaped = dyn_cast<ShapedType>(type);
    auto memref = dyn_cast<MemRefType>(type);
    if (!shaped || !shaped.hasRank() ||
        (memref && !memref.getLayout().isIdentity()) ||
        (!memref && !isa<RankedTensorType>(type)))
      return func.emitError("attune-compile: argument ")
             << i << " must be a ranked tensor (input) or an identity-layout "
             << "memref (output), not " << type;
    arg.elementType = elementName(shaped.getElementType()).str();
    if (arg.elementType.empty())
      return func.emitError("attune-compile: argument ")
             << i << " has element type " << shaped.getElementType()
             << "; kernels take f32, f16, bf16 or i32";
    arg.output = static_cast<bool>(memref);
    for (int64_t d = 0; d < shaped.getRank(); ++d) {
      arg.staticShape.push_back(shaped.getDimSize(d));
      if (!shaped.isDynamicDim(d)) {
        arg.sizeOf.push_back(-1);
        continue;
      }
      DimRef dim = {static_cast<unsigned>(i), static_cast<unsigned>(d)};
      if (!builder.classes.contains(dim))
        return func.emitError("attune-compile: dimension ")
               << d << " of argument " << i << " (" << arg.name
               << ") is dynamic but is not a size of an attn.attention operand "
               << "(batch, lengths, block-list extents) or of an input; make "
               << "it static";
      DimRef leader = builder.classes.getLeaderValue(dim);
      auto [it, inserted] = sizeIndex.try_emplace(leader, sig.sizes.size());
      if (inserted) {
        const std::string &name = builder.sizeNames[leader];
        sig.sizes.push_back(name);
        // A static extent fixing any size of the class fixes this one
        // (classes merged through dims_of carry several names).
        int64_t fixedValue = -1;
        for (auto member = builder.classes.findLeader(dim);
             member != builder.classes.member_end(); ++member) {
          auto named = builder.sizeNames.find(*member);
          if (named == builder.sizeNames.end())
            continue;
          auto fixed = builder.fixed.find(named->second);
          if (fixed != builder.fixed.end())
            fixedValue = fixed->second;
        }
        sig.fixedSizes.push_back(fixedValue);
      }
      arg.sizeOf.push_back(it->second);
    }
    sig.arguments.push_back(arg);
  }
  // Block lists passed in must hold a block for every query tile.
  auto extentOf = [&](Value value,
                      unsigned dim) -> std::optional<KernelExtent> {
    std::optional<unsigned> arg = kernelArgumentOf(func, value);
    if (!arg || dim >= sig.arguments[*arg].staticShape.size())
      return std::nullopt;
    const KernelArgument &argument = sig.arguments[*arg];
    return KernelExtent{argument.sizeOf[dim], argument.staticShape[dim]};
  };
  for (auto [counts, query, rows] : lists) {
    std::optional<KernelExtent> blocks = extentOf(counts, 2);
    std::optional<KernelExtent> length = extentOf(query, 2);
    if (blocks && length && rows > 0 &&
        (blocks->size >= 0 || length->size >= 0))
      sig.coverage.push_back({*blocks, *length, rows});
  }
  return sig;
}

void attune::writeKernelDoc(llvm::raw_ostream &os,
                            const KernelSignature &kernel) {
  os << "\n/* " << kernel.name << "\n";
  SmallVector<StringRef> lines;
  StringRef(kernel.summary).split(lines, '\n');
  for (StringRef line : lines)
    if (!line.empty())
      os << " *   " << line << "\n";
  for (const KernelArgument &arg : kernel.arguments) {
    os << " *   " << arg.name << " [";
    for (auto [d, size] : llvm::enumerate(arg.staticShape)) {
      if (d)
        os << ", ";
      if (arg.sizeOf[d] >= 0)
        os << kernel.sizes[arg.sizeOf[d]];
      else
        os << size;
    }
    os << "] " << arg.elementType << (arg.output ? ", written" : ", read")
       << "\n";
  }
  auto extentName = [&](const KernelExtent &e) {
    return e.size >= 0 ? kernel.sizes[e.size] : std::to_string(e.value);
  };
  for (const BlockCoverage &c : kernel.coverage)
    os << " *   " << extentName(c.blocks) << " * " << c.rows
       << " must be at least " << extentName(c.length)
       << " (a block-list entry per query block; otherwise "
          "ATTUNE_ERR_BAD_SIZE)\n";
  for (auto [name, value] : llvm::zip(kernel.sizes, kernel.fixedSizes))
    if (value >= 0)
      os << " *   " << name << " must be " << value
         << " (a static extent of the module; otherwise ATTUNE_ERR_BAD_SIZE)\n";
}

void attune::writeStatusCodes(llvm::raw_ostream &os) {
  os << "#ifndef ATTUNE_STATUS_CODES\n#define ATTUNE_STATUS_CODES\n"
     << "/* Returned by every kernel. On an error nothing has been written. "
        "*/\n"
     << "enum {\n"
     << "  ATTUNE_OK = " << kStatusOk << ",\n"
     << "  ATTUNE_ERR_NULL_POINTER = " << kStatusNullPointer
     << ", /* an argument pointer is NULL */\n"
     << "  ATTUNE_ERR_BAD_SIZE = " << kStatusBadSize
     << ", /* a size is negative or above INT32_MAX */\n"
     << "  ATTUNE_ERR_NO_DRIVER = " << kStatusNoDriver
     << ", /* GPU: libcuda.so.1 could not be loaded */\n"
     << "  ATTUNE_ERR_NO_CONTEXT = " << kStatusNoContext
     << ", /* GPU: no CUDA context is current */\n"
     << "  ATTUNE_ERR_DRIVER = " << kStatusDriverError
     << ", /* GPU: loading the module or the launch failed */\n"
     << "  ATTUNE_ERR_MISALIGNED = " << kStatusMisaligned
     << " /* GPU, TMA kernels: K or V is not 16-byte aligned */\n"
     << "};\n#endif\n\n";
}

void attune::writeKernelHeader(llvm::raw_ostream &os,
                               ArrayRef<KernelSignature> kernels,
                               StringRef guard, StringRef source, StringRef cpu,
                               bool cachedBuffers) {
  os << "/* Generated by attune-compile from " << source << " (cpu: " << cpu
     << "). Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  writeStatusCodes(os);
  os << "/* Tensors are row-major and contiguous; f16 and bf16 elements are\n"
     << " * passed as their 16 bits (uint16_t). Outputs must not overlap the\n"
     << " * inputs. Kernels run on OpenMP threads (libomp): set their number\n"
     << " * with OMP_NUM_THREADS or omp_set_num_threads(); link with -lomp\n"
     << " * (not needed for modules compiled with --openmp=false). */\n";
  if (cachedBuffers)
    os << "/* Heap temporaries of 64 KiB and more are kept for the next call,\n"
       << " * per calling thread (up to 32 blocks, for the thread's life);\n"
       << " * compile with --pipeline-options=cache-buffers=false to free\n"
       << " * them at every return. */\n";
  for (const KernelSignature &kernel : kernels) {
    writeKernelDoc(os, kernel);
    os << " */\nint32_t " << kernel.name << "(";
    bool first = true;
    for (const KernelArgument &arg : kernel.arguments) {
      os << (first ? "" : ", ") << (arg.output ? "" : "const ")
         << cType(arg.elementType) << " *" << arg.name;
      first = false;
    }
    for (const std::string &size : kernel.sizes) {
      os << (first ? "" : ", ") << "int64_t " << size;
      first = false;
    }
    if (first)
      os << "void";
    os << ");\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}
