//===- attune-compile.cpp - attn modules in, kernels for other runtimes out -===//
//
//   attune-compile in.mlir --target=cpu [--cpu=native] -o k.o --header k.h
//   attune-compile in.mlir --target=cpu --shared -o libk.so --header k.h
//
// Every public function of the module becomes a C function (see the header it
// writes): its attn ops go through attune-cpu-pipeline (fused, threaded), and
// a checked entry point with plain pointers and sizes calls the result.
//
//===----------------------------------------------------------------------===//

#include "attune/InitAll.h"
#include "attune/Pipelines/Pipelines.h"
#include "attune/Target/CPU/KernelABI.h"
#include "attune/Target/CPU/ObjectEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("attune-compile options");
cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input .mlir>"),
                                   cl::init("-"), cl::cat(category));
cl::opt<std::string> outputFilename("o", cl::desc("Object file (or .so)"),
                                    cl::value_desc("file"), cl::Required,
                                    cl::cat(category));
cl::opt<std::string> headerFilename("header", cl::desc("C header to write"),
                                    cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> target("target", cl::desc("Target: cpu"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU to generate code for: native (default), znver5, "
                 "x86-64-v4, x86-64-v3, or any LLVM x86 CPU name"),
        cl::init("native"), cl::cat(category));
cl::opt<bool> shared("shared", cl::desc("Link a shared library, not an object"),
                     cl::init(false), cl::cat(category));
cl::opt<bool> openmp("openmp", cl::desc("Run query tiles on OpenMP threads"),
                     cl::init(true), cl::cat(category));
cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("attune-cpu-pipeline options, e.g. \"kv-splits=1 kv-tile=32\""),
    cl::init(""), cl::cat(category));
cl::opt<std::string> linker("linker",
                            cl::desc("Compiler driver that links --shared "
                                     "(default: clang-22, clang or cc on PATH)"),
                            cl::init(""), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "attune-compile: " << message << "\n";
  return 1;
}

/// Links `object` into the shared library `output` with libomp.
int linkShared(StringRef object, StringRef output) {
  std::string driver = linker;
  for (StringRef name : {"clang-22", "clang", "cc"}) {
    if (!driver.empty())
      break;
    if (auto path = llvm::sys::findProgramByName(name))
      driver = *path;
  }
  if (driver.empty())
    return fail("--shared needs a compiler driver to link (clang-22, clang "
                "or cc on PATH, or --linker)");
  std::string libDir = ATTUNE_LLVM_LIBRARY_DIR;
  std::string rpath = "-Wl,-rpath," + libDir;
  std::string libPath = "-L" + libDir;
  SmallVector<StringRef> args = {driver, "-shared", "-o", output, object};
  if (openmp)
    args.append({libPath, rpath, "-lomp"});
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return fail("linking " + output + " failed: " +
                (message.empty() ? "exit code " + std::to_string(rc)
                                 : message));
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attune-compile: attn modules to kernels with a "
                              "C header\n");
  if (target != "cpu")
    return fail("unknown --target=" + target +
                " (cpu is supported; cuda is not emitted yet)");

  DialectRegistry registry;
  attune::registerAllDialects(registry);
  attune::registerAllTranslations(registry);
  MLIRContext context(registry);
  std::string error;
  auto file = openInputFile(inputFilename, &error);
  if (!file)
    return fail(error);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;

  auto machine = attune::createCPUTargetMachine(cpu, error);
  if (failed(machine))
    return fail(error);

  // The C view of every public function, read before lowering; the function
  // itself moves aside for its checked entry point.
  std::vector<attune::KernelSignature> kernels;
  for (auto func : llvm::make_early_inc_range(module->getOps<func::FuncOp>())) {
    if (func.isDeclaration() || !func.isPublic())
      continue;
    // A model returns its results; a kernel writes them into outputs.
    if (failed(attune::resultsToOutputArguments(func)))
      return 1;
    FailureOr<attune::KernelSignature> kernel = attune::analyzeKernel(func);
    if (failed(kernel))
      return 1;
    kernels.push_back(*kernel);
    // The header promises `const` inputs: bufferization must copy rather
    // than write into them.
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
      if (isa<RankedTensorType>(type))
        func.setArgAttr(i, "bufferization.writable",
                        BoolAttr::get(&context, false));
    if (failed(SymbolTable::replaceAllSymbolUses(
            func, StringAttr::get(&context, attune::implName(kernel->name)),
            *module)))
      return fail("could not rename @" + kernel->name);
    SymbolTable::setSymbolName(func, attune::implName(kernel->name));
  }
  if (kernels.empty())
    return fail("no public function with a body in " + inputFilename);

  PassManager pm(&context, ModuleOp::getOperationName());
  attune::CPUPipelineOptions options;
  if (failed(options.parseFromString(pipelineOptions)))
    return fail("bad --pipeline-options: " + pipelineOptions);
  options.lanes = attune::vectorLanes(**machine);
  options.openmp = openmp;
  options.bf16Dot = attune::hasBf16Dot(**machine);
  attune::buildCPUPipeline(pm, options);
  if (failed(pm.run(*module)))
    return fail("lowering failed");
  if (failed(attune::addCEntryPoints(*module, kernels)))
    return 1;

  std::string objectPath = outputFilename;
  if (shared)
    objectPath = outputFilename + ".o";
  auto object = openOutputFile(objectPath, &error);
  if (!object)
    return fail(error);
  if (failed(attune::emitObjectFile(*module, **machine, object->os(), error)))
    return fail(error);
  object->keep();
  object.reset();
  if (shared) {
    if (int rc = linkShared(objectPath, outputFilename))
      return rc;
    llvm::sys::fs::remove(objectPath);
  }

  if (!headerFilename.empty()) {
    auto header = openOutputFile(headerFilename, &error);
    if (!header)
      return fail(error);
    std::string guard = "ATTUNE_" + llvm::sys::path::stem(headerFilename).str() + "_H";
    for (char &c : guard)
      c = llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
    attune::writeKernelHeader(header->os(), kernels, guard,
                              llvm::sys::path::filename(inputFilename),
                              (*machine)->getTargetCPU());
    header->keep();
  }
  return 0;
}
