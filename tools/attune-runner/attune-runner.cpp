//===- attune-runner.cpp - JIT-run and check a kernel -----------*- C++ -*-===//
//
// The integration-test driver: parses an .mlir module, lowers it with a named
// pipeline, JIT-compiles it, calls the entry function on seeded random inputs
// and compares every output element against the float64 reference.
//
// The acceptance rule is FlashAttention's: the kernel's error against float64
// may be at most twice the error of a same-precision reference (plus a small
// absolute slack). Outputs are poisoned with NaN first, so an element the
// kernel never writes fails. Rows that see no key must be exactly 0 (LSE -inf).
//
//===----------------------------------------------------------------------===//

#include "CEntryCall.h"
#include "Problem.h"

#include "attune/InitAll.h"
#include "attune/Pipelines/Pipelines.h"
#include "attune/Reference/Reference.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

using namespace mlir;
using namespace ::attune::runner;
namespace cl = llvm::cl;
namespace ref = ::attune::reference;

#ifndef ATTUNE_C_RUNNER_UTILS
#define ATTUNE_C_RUNNER_UTILS ""
#endif

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

namespace {
enum class PipelineKind { Reference, Fused };
enum class ScoreModKind { None, RelPos };
enum class MaskModKind { None, Mod3, Doc48 };

cl::OptionCategory category("attune-runner options");

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input .mlir>"),
                                   cl::init("-"), cl::cat(category));
cl::opt<std::string> entry("entry", cl::desc("Entry function"),
                           cl::init("kernel"), cl::cat(category));
cl::opt<PipelineKind>
    pipeline("pipeline", cl::desc("Lowering pipeline"),
             cl::init(PipelineKind::Reference),
             cl::values(clEnumValN(PipelineKind::Reference, "reference",
                                   "attune-reference-cpu-pipeline"),
                        clEnumValN(PipelineKind::Fused, "fused",
                                   "attune-cpu-pipeline (fused, threaded)")),
             cl::cat(category));

cl::opt<bool> cAbi(
    "c-abi",
    cl::desc("Call the kernel through the checked C entry point that "
             "attune-compile emits (plain pointers and sizes), not the memref "
             "interface"),
    cl::init(false), cl::cat(category));

cl::opt<std::string> cudaLauncher(
    "cuda-launcher",
    cl::desc("Call the kernel through this CUDA launcher library (the "
             "launcher attune-compile --target=cuda writes, compiled as a "
             "shared library; the stream argument is null) instead of "
             "JIT-compiling it: with the CUDA emulator's libcuda.so.1 on "
             "LD_LIBRARY_PATH and the kernels built with --emulate, the GPU "
             "kernels run on the CPU"),
    cl::init(""), cl::cat(category));

cl::opt<std::string> fusedOptions(
    "fused-options",
    cl::desc("With --pipeline=fused: attune-cpu-pipeline options, e.g. "
             "\"kv-tile=128 row-block=6\""),
    cl::init(""), cl::cat(category));

cl::opt<bool> allowFallback(
    "fallback",
    cl::desc("With --pipeline=fused: lower what the fused path cannot take "
             "through the reference form (false: fail instead)"),
    cl::init(false), cl::cat(category));

cl::opt<int64_t> batch("batch", cl::desc("B"), cl::init(1), cl::cat(category));
cl::opt<int64_t> qHeads("q-heads", cl::desc("Hq"), cl::init(1),
                        cl::cat(category));
cl::opt<int64_t> kvHeads("kv-heads", cl::desc("Hkv (default: Hq)"), cl::init(1),
                         cl::cat(category));
cl::opt<int64_t> qLen("q-len", cl::desc("Lq"), cl::init(16), cl::cat(category));
cl::opt<int64_t> kvLen("kv-len", cl::desc("Lk (default: Lq)"), cl::init(16),
                       cl::cat(category));
cl::opt<int64_t> headDim("head-dim", cl::desc("D"), cl::init(16),
                         cl::cat(category));
cl::opt<int64_t> valueDim("value-dim", cl::desc("Dv (default: D)"),
                          cl::init(16), cl::cat(category));
cl::opt<ElementKind>
    dtype("dtype", cl::desc("Element type of q, k, v and the output"),
          cl::init(ElementKind::F32),
          cl::values(clEnumValN(ElementKind::F32, "f32", "float32"),
                     clEnumValN(ElementKind::F16, "f16", "float16"),
                     clEnumValN(ElementKind::BF16, "bf16", "bfloat16")),
          cl::cat(category));
cl::opt<double> scale("scale", cl::desc("Score scale (default 1/sqrt(D))"),
                      cl::cat(category));
cl::opt<ref::Normalization> norm(
    "norm", cl::desc("Normalization"), cl::init(ref::Normalization::Softmax),
    cl::values(clEnumValN(ref::Normalization::Softmax, "softmax", "softmax"),
               clEnumValN(ref::Normalization::Sigmoid, "sigmoid", "sigmoid")),
    cl::cat(category));
cl::opt<double> sigmoidBias("sigmoid-bias",
                            cl::desc("Sigmoid bias (default -log(Lk))"),
                            cl::cat(category));
cl::opt<std::string> headMap("head-map",
                             cl::desc("KV head of each query head: 0,0,1,2"),
                             cl::cat(category));
cl::opt<std::string> kvLengths(
    "kv-lengths",
    cl::desc("Ragged batch, one length per row: 5,0,9 (kv_lengths input; with "
             "--segments the last segment's suffix_lengths)"),
    cl::cat(category));
cl::opt<std::string> mask("mask",
                          cl::desc("none|causal|window:LEFT,RIGHT[,SINKS]"),
                          cl::init("none"), cl::cat(category));
cl::opt<std::string>
    headMasks("head-masks", cl::desc("One mask per query head, ';'-separated"),
              cl::cat(category));
cl::opt<double> softcap("softcap", cl::desc("Tanh soft cap"),
                        cl::cat(category));
cl::opt<bool> alibi("alibi", cl::desc("ALiBi slopes input (f32 [Hq])"),
                    cl::cat(category));
cl::opt<std::string> bias("bias",
                          cl::desc("Bias input f32 [bb,bh,Lq,Lk]: bbxbh"),
                          cl::cat(category));
cl::opt<std::string>
    temperature("temperature",
                cl::desc("Temperature input f32 [tb,th,Lq]: tbxth"),
                cl::cat(category));
cl::opt<std::string> blockMask("block-mask",
                               cl::desc("Block mask inputs: qbs,kbs"),
                               cl::cat(category));
cl::opt<bool> blockDuplicates(
    "block-duplicates",
    cl::desc("Block lists with repeated, cross-listed and out-of-range "
             "entries (a union of blocks all the same)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> fullBlocks("full-blocks", cl::desc("Also pass full-block lists"),
                         cl::cat(category));
cl::opt<ScoreModKind>
    scoreMod("score-mod", cl::desc("Score modifier"),
             cl::init(ScoreModKind::None),
             cl::values(clEnumValN(ScoreModKind::None, "none", "none"),
                        clEnumValN(ScoreModKind::RelPos, "relpos",
                                   "s + 0.05 * (i - j) * (h + 1)")),
             cl::cat(category));
cl::opt<MaskModKind>
    maskMod("mask-mod", cl::desc("Mask predicate"), cl::init(MaskModKind::None),
            cl::values(clEnumValN(MaskModKind::None, "none", "none"),
                       clEnumValN(MaskModKind::Mod3, "mod3",
                                  "visible iff (i + j + b + h) % 3 != 0"),
                       clEnumValN(MaskModKind::Doc48, "doc48",
                                  "visible iff i / 48 == j / 48 (documents "
                                  "of 48 tokens)")),
            cl::cat(category));
cl::opt<bool> lse("lse", cl::desc("LSE output f32 [B,Hq,Lq]"),
                  cl::cat(category));
cl::opt<std::string>
    segments("segments",
             cl::desc("Prefix layout: shared:LEN;per_row:LEN;rows=0/0/1:LEN"),
             cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                       cl::cat(category));
cl::opt<bool> timeRuns("time",
                       cl::desc("Print the median time of --repeat "
                                "calls"),
                       cl::cat(category));
cl::opt<unsigned> repeat("repeat", cl::desc("Timed calls"), cl::init(1),
                         cl::cat(category));
cl::opt<unsigned> optLevel("opt-level", cl::desc("JIT optimization level"),
                           cl::init(2), cl::cat(category));
cl::list<std::string> sharedLibs("shared-libs",
                                 cl::desc("Extra runtime libraries"),
                                 cl::CommaSeparated, cl::cat(category));
} // namespace

static int error(const llvm::Twine &message) {
  llvm::errs() << "attune-runner: " << message << "\n";
  return 1;
}

/// Collects the problem options from the flags; Problem::create validates.
static llvm::Expected<ProblemOptions> optionsFromFlags() {
  ProblemOptions o;
  o.batch = batch;
  o.qHeads = qHeads;
  o.kvHeads = kvHeads.getNumOccurrences() ? kvHeads : qHeads;
  o.qLen = qLen;
  o.kvLen = kvLen.getNumOccurrences() ? kvLen : qLen;
  o.headDim = headDim;
  o.valueDim = valueDim.getNumOccurrences() ? valueDim : headDim;
  o.dtype = dtype;
  o.normalization = norm;
  if (scale.getNumOccurrences())
    o.scale = scale;
  if (sigmoidBias.getNumOccurrences())
    o.sigmoidBias = sigmoidBias;
  if (softcap.getNumOccurrences())
    o.softcap = softcap;
  o.alibi = alibi;
  o.fullBlocks = fullBlocks;
  o.blockDuplicates = blockDuplicates;
  o.relposScoreMod = scoreMod == ScoreModKind::RelPos;
  o.mod3MaskMod = maskMod == MaskModKind::Mod3;
  o.doc48MaskMod = maskMod == MaskModKind::Doc48;
  o.lse = lse;
  o.seed = seed;

  if (!headMap.empty()) {
    auto map = parseIntList(headMap, ',');
    if (!map)
      return map.takeError();
    o.headMap = std::move(*map);
  }
  if (!kvLengths.empty()) {
    auto lengths = parseIntList(kvLengths, ',');
    if (!lengths)
      return lengths.takeError();
    o.kvLengths = std::move(*lengths);
  }
  if (mask.getNumOccurrences() && headMasks.getNumOccurrences())
    return llvm::createStringError("--mask and --head-masks exclude each "
                                   "other");
  if (!headMasks.empty()) {
    auto masks = parseHeadMasks(headMasks);
    if (!masks)
      return masks.takeError();
    o.headMasks = std::move(*masks);
  } else {
    auto m = parseMask(mask);
    if (!m)
      return m.takeError();
    if (m->left >= 0 || m->right >= 0)
      o.headMasks = {*m};
  }
  for (auto [flag, text, target] :
       {std::make_tuple("bias", &bias, &o.bias),
        std::make_tuple("temperature", &temperature, &o.temperature)}) {
    if (text->empty())
      continue;
    auto pair = parsePair(*text, 'x', flag);
    if (!pair)
      return pair.takeError();
    *target = *pair;
  }
  if (!blockMask.empty()) {
    auto pair = parsePair(blockMask, ',', "block-mask");
    if (!pair)
      return pair.takeError();
    o.blockSizes = *pair;
  }
  if (!segments.empty()) {
    auto segs = parseSegments(segments);
    if (!segs)
      return segs.takeError();
    o.segments = std::move(*segs);
  }
  if (repeat < 1)
    return llvm::createStringError("--repeat must be >= 1");
  if (optLevel > 3)
    return llvm::createStringError("--opt-level must be 0..3");
  return o;
}

//===----------------------------------------------------------------------===//
// The entry function's signature
//===----------------------------------------------------------------------===//

static bool hasElementKind(Type type, ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return type.isF32();
  case ElementKind::F16:
    return type.isF16();
  case ElementKind::BF16:
    return type.isBF16();
  case ElementKind::I32:
    return type.isInteger(32);
  }
  return false;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s;
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// Checks argument count, ranks, element types and every static dimension
/// against the problem, so that a wrong flag is reported instead of running
/// off the end of a buffer.
static llvm::Error checkSignature(FunctionOpInterface func,
                                  const Problem &problem) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError("entry function @" + entry + ": " + message);
  };
  if (func.isExternal())
    return fail("is a declaration");
  if (!func.getResultTypes().empty())
    return fail("must return nothing; outputs are written to arguments");
  llvm::ArrayRef<Type> types = func.getArgumentTypes();
  const std::vector<Argument> &args = problem.arguments;
  if (types.size() != args.size()) {
    std::string expected;
    for (const Argument &a : args)
      expected += (expected.empty() ? "" : ", ") + a.name;
    return fail("has " + llvm::Twine(types.size()) + " arguments but the " +
                "flags describe " + llvm::Twine(args.size()) + " (" + expected +
                ")");
  }
  for (auto [idx, type, arg] : llvm::enumerate(types, args)) {
    std::string what = "argument #" + std::to_string(idx) + " (" + arg.name +
                       ") of type " + typeString(type) + ": ";
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || !shaped.hasRank() ||
        !isa<RankedTensorType, MemRefType>(type))
      return fail(what + "expected a ranked tensor or memref");
    if (!hasElementKind(shaped.getElementType(), arg.kind))
      return fail(what + "expected element type " + toString(arg.kind));
    llvm::ArrayRef<int64_t> shape = shaped.getShape();
    bool same = shape.size() == arg.shape.size();
    for (size_t d = 0; same && d < shape.size(); ++d)
      same = ShapedType::isDynamic(shape[d]) || shape[d] == arg.shape[d];
    if (!same)
      return fail(what + "expected shape " + shapeString(arg.shape) +
                  " from the flags");
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Calling the kernel
//===----------------------------------------------------------------------===//

namespace {
/// A dense row-major strided memref descriptor as the C interface lays it out:
/// {allocated ptr, aligned ptr, offset, sizes[R], strides[R]}, all 8 bytes.
class MemRefDescriptor {
public:
  MemRefDescriptor(void *data, llvm::ArrayRef<int64_t> shape) {
    static_assert(sizeof(void *) == sizeof(int64_t), "64-bit hosts only");
    int64_t rank = shape.size();
    words.assign(3 + 2 * rank, 0);
    words[0] = words[1] = reinterpret_cast<intptr_t>(data);
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      words[3 + d] = shape[d];
      words[3 + rank + d] = stride;
      stride *= shape[d];
    }
  }
  void *get() { return words.data(); }

private:
  std::vector<int64_t> words;
};
} // namespace

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// Calls `call` once on poisoned outputs and checks the results; with
/// --time, also prints the median of --repeat more calls.
static int callAndCheck(Problem &problem, StringRef symbol,
                        const std::function<llvm::Error()> &call) {
  problem.poisonOutputs();
  if (llvm::Error err = call())
    return error("calling " + symbol +
                 " failed: " + llvm::toString(std::move(err)));
  std::string failure = checkResults(problem);

  if (timeRuns) {
    std::vector<double> ms;
    for (unsigned r = 0; r < repeat; ++r) {
      auto start = std::chrono::steady_clock::now();
      if (llvm::Error err = call())
        return error("calling " + symbol +
                     " failed: " + llvm::toString(std::move(err)));
      std::chrono::duration<double, std::milli> elapsed =
          std::chrono::steady_clock::now() - start;
      ms.push_back(elapsed.count());
    }
    std::sort(ms.begin(), ms.end());
    double median = ms.size() % 2
                        ? ms[ms.size() / 2]
                        : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    llvm::outs() << "time_ms: " << llvm::format("%.4f", median) << "\n";
  }
  if (!failure.empty()) {
    llvm::outs() << "FAIL: " << failure << "\n";
    return 1;
  }
  llvm::outs() << "PASS\n";
  return 0;
}

/// --cuda-launcher: the kernel's entry point in the launcher library, with a
/// null stream last.
static int runThroughCudaLauncher(const mlir::attune::KernelSignature &kernel,
                                  Problem &problem) {
  std::string message;
  auto library =
      llvm::sys::DynamicLibrary::getLibrary(cudaLauncher.c_str(), &message);
  if (!library.isValid())
    return error("cannot load " + cudaLauncher + ": " + message);
  void *entryPoint = library.getAddressOfSymbol(entry.c_str());
  if (!entryPoint)
    return error("no function " + entry + " in " + cudaLauncher);
  return callAndCheck(problem, entry, [&]() {
    return callChecked(entryPoint, kernel, problem, {/*stream=*/0});
  });
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  registerDefaultTimingManagerCLOptions();
  // --help shows the runner's own flags; --help-hidden shows LLVM's and MLIR's.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attune-runner: JIT-run an attention kernel and "
                              "check it against the float64 reference\n");

  auto options = optionsFromFlags();
  if (!options)
    return error(llvm::toString(options.takeError()));
  auto problem = Problem::create(*options);
  if (!problem)
    return error(llvm::toString(problem.takeError()));

  DialectRegistry registry;
  mlir::attune::registerAllDialects(registry);
  mlir::attune::registerAllTranslations(registry);
  MLIRContext context(registry);

  std::string errorMessage;
  auto file = openInputFile(inputFilename, &errorMessage);
  if (!file)
    return error(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return error("could not parse " + inputFilename);

  auto func = dyn_cast_or_null<FunctionOpInterface>(
      SymbolTable::lookupSymbolIn(*module, entry));
  if (!func)
    return error("no function @" + entry + " in " + inputFilename);
  if (llvm::Error err = checkSignature(func, *problem))
    return error(llvm::toString(std::move(err)));
  // The C interface wrapper is what we call; ask for it if the test did not.
  // With --c-abi, the function moves aside for attune-compile's entry point.
  std::optional<mlir::attune::KernelSignature> kernel;
  bool launcher = !cudaLauncher.empty();
  if (cAbi || launcher) {
    auto funcOp = dyn_cast<func::FuncOp>(func.getOperation());
    if (!funcOp)
      return error("--c-abi needs a func.func entry");
    FailureOr<mlir::attune::KernelSignature> signature =
        mlir::attune::analyzeKernel(funcOp);
    if (failed(signature))
      return error("the entry function has no C entry point");
    kernel = *signature;
    SymbolTable::setSymbolName(funcOp, mlir::attune::implName(entry));
  } else {
    func->setAttr("llvm.emit_c_interface", UnitAttr::get(&context));
  }

  if (launcher)
    return runThroughCudaLauncher(*kernel, *problem);

  PassManager pm(&context, ModuleOp::getOperationName());
  if (failed(applyPassManagerCLOptions(pm)))
    return error("could not apply the pass manager options");
  applyDefaultTimingPassManagerCLOptions(pm);
  switch (pipeline) {
  case PipelineKind::Reference:
    mlir::attune::buildReferenceCPUPipeline(pm);
    break;
  case PipelineKind::Fused: {
    mlir::attune::CPUPipelineOptions options;
    if (failed(options.parseFromString(fusedOptions)))
      return error("bad --fused-options: " + fusedOptions);
    options.fallback = allowFallback;
    // The JIT compiles for this host: use its bf16 dot products if it has
    // them (unless --fused-options said otherwise).
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    if (!llvm::StringRef(fusedOptions).contains("bf16-dot"))
      options.bf16Dot = host.lookup("avx512bf16");
    if (!llvm::StringRef(fusedOptions).contains("amx"))
      options.amx = host.lookup("amx-tile") && host.lookup("amx-bf16");
    mlir::attune::buildCPUPipeline(pm, options);
    break;
  }
  }
  if (failed(pm.run(*module)))
    return error("the lowering pipeline failed");
  if (kernel && failed(mlir::attune::addCEntryPoints(*module, {*kernel})))
    return error("could not add the C entry point");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Inline assembly (the AMX kernels' arch_prctl system call).
  llvm::InitializeNativeTargetAsmParser();
  llvm::SmallVector<llvm::StringRef> libs;
  if (llvm::StringRef(ATTUNE_C_RUNNER_UTILS).size())
    libs.push_back(ATTUNE_C_RUNNER_UTILS);
  if (pipeline == PipelineKind::Fused)
    libs.push_back(ATTUNE_LIBOMP);
  libs.append(sharedLibs.begin(), sharedLibs.end());
  for (llvm::StringRef lib : libs)
    if (!llvm::sys::fs::exists(lib))
      return error("runtime library not found: " + lib);
  auto transformer = makeOptimizingTransformer(optLevel, 0, nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOpt::getLevel(optLevel);
  engineOptions.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine)
    return error("JIT compilation failed: " +
                 llvm::toString(engine.takeError()));

  // invokePacked passes args[i] as the address of the i-th C argument, which
  // for the C interface is a pointer to a memref descriptor.
  std::vector<MemRefDescriptor> descriptors;
  for (Argument &arg : problem->arguments)
    descriptors.emplace_back(arg.buffer.data(), arg.shape);
  std::vector<void *> descriptorPtrs, packed;
  for (MemRefDescriptor &d : descriptors)
    descriptorPtrs.push_back(d.get());
  for (void *&ptr : descriptorPtrs)
    packed.push_back(&ptr);
  std::string symbol = kernel ? entry.getValue() : "_mlir_ciface_" + entry;
  std::function<llvm::Error()> call = [&]() {
    return (*engine)->invokePacked(symbol, packed);
  };
  if (kernel) {
    auto found = (*engine)->lookup(symbol);
    if (!found)
      return error("no symbol " + symbol + ": " +
                   llvm::toString(found.takeError()));
    void *cEntry = *found;
    call = [&, cEntry]() { return callChecked(cEntry, *kernel, *problem, {}); };
  }
  return callAndCheck(*problem, symbol, call);
}
