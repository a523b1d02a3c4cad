//===- attune-compile.cpp - attn modules in, kernels for other runtimes out
//-===//
//
//   attune-compile in.mlir --target=cpu [--cpu=native] -o k.o --header k.h
//   attune-compile in.mlir --target=cpu --shared -o libk.so --header k.h
//   attune-compile in.mlir --target=cuda [--arch=sm_90a] -o k.cubin
//       --header k.h [--launcher k_launcher.c]      (also writes k.ptx)
//   attune-compile in.mlir --target=cuda --emulate -o k.so --header k.h
//       (the kernels as CPU code for the CUDA emulator, embedded in the
//       launcher in place of the cubin)
//
// Every public function of the module becomes a C function (see the header it
// writes): its attn ops go through attune-cpu-pipeline (fused, threaded), and
// a checked entry point with plain pointers and sizes calls the result.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "attune/InitAll.h"
#include "attune/Pipelines/Pipelines.h"
#include "attune/Target/CPU/KernelABI.h"
#include "attune/Target/CPU/ObjectEmitter.h"
#include "attune/Target/GPU/CudaLauncher.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
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
cl::opt<std::string> target("target", cl::desc("Target: cpu or cuda"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<std::string> arch("arch",
                          cl::desc("cuda: NVIDIA architecture (sm_80 and "
                                   "later; default sm_90a)"),
                          cl::init("sm_90a"), cl::cat(category));
cl::opt<std::string>
    launcherFilename("launcher",
                     cl::desc("cuda: the C launcher to write (default: the "
                              "output's name with _launcher.c)"),
                     cl::value_desc("file"), cl::cat(category));
cl::opt<bool> emulate(
    "emulate",
    cl::desc("cuda: the kernels as a CPU shared object (-o k.so) for the CUDA "
             "emulator (lib/Target/GPU/Emulator), embedded in the launcher "
             "instead of PTX or a cubin: GPU numerics without a GPU"),
    cl::init(false), cl::cat(category));
cl::opt<std::string>
    ptxasPath("ptxas",
              cl::desc("cuda: ptxas to assemble the cubin with (default: PATH, "
                       "$CUDA_HOME/bin, /usr/local/cuda/bin)"),
              cl::init(""), cl::cat(category));
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
cl::opt<std::string>
    linker("linker",
           cl::desc("Compiler driver that links --shared "
                    "(default: clang-22, clang or cc on PATH)"),
           cl::init(""), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "attune-compile: " << message << "\n";
  return 1;
}

/// Links `object` into the shared library `output` (with libomp when
/// `withOpenMP`).
int linkShared(StringRef object, StringRef output, bool withOpenMP) {
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
  SmallVector<StringRef> args = {driver, "-shared", "-o",
                                 output, object,    "-lm"};
  if (withOpenMP)
    args.append({libPath, rpath, "-lomp"});
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return fail(
        "linking " + output + " failed: " +
        (message.empty() ? "exit code " + std::to_string(rc) : message));
  return 0;
}
/// ptxas: --ptxas, PATH, $CUDA_HOME/bin, /usr/local/cuda/bin.
std::string findPtxas() {
  if (!ptxasPath.empty())
    return ptxasPath;
  if (auto path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  SmallVector<StringRef> dirs;
  std::string home;
  if (const char *cuda = std::getenv("CUDA_HOME"))
    home = std::string(cuda) + "/bin";
  if (!home.empty())
    dirs.push_back(home);
  dirs.push_back("/usr/local/cuda/bin");
  if (auto path = llvm::sys::findProgramByName("ptxas", dirs))
    return *path;
  return "";
}

int writeFile(StringRef path, StringRef contents) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  file->os() << contents;
  file->keep();
  return 0;
}

/// The kernels' PTX (written beside the output), and the image the
/// launcher embeds: the cubin from ptxas, or the PTX for -o k.ptx.
int buildCudaImage(ModuleOp module, const attune::GPUPipelineOptions &options,
                   std::string &image, bool &isPTX) {
  MLIRContext *context = module.getContext();
  PassManager binaryPM(context, ModuleOp::getOperationName());
  attune::buildGPUBinary(binaryPM, options);
  if (failed(binaryPM.run(module)))
    return fail("lowering the GPU kernels to PTX failed");
  auto binary = module.lookupSymbol<gpu::BinaryOp>("attune_kernels");
  if (!binary || binary.getObjects().empty())
    return fail("no PTX was produced");
  std::string ptx =
      cast<gpu::ObjectAttr>(binary.getObjects()[0]).getObject().str();

  // k.cubin -> k.ptx beside it; -o k.ptx: PTX only.
  StringRef output = outputFilename;
  bool ptxOnly = output.ends_with(".ptx");
  SmallString<256> ptxPath(output);
  llvm::sys::path::replace_extension(ptxPath, ".ptx");
  if (int rc = writeFile(ptxPath, ptx))
    return rc;
  image = ptx;
  isPTX = ptxOnly;
  if (!ptxOnly) {
    std::string ptxas = findPtxas();
    if (ptxas.empty())
      return fail("a cubin needs ptxas from the CUDA toolkit, which is not on "
                  "PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin (or give "
                  "--ptxas); the PTX is in " +
                  ptxPath + ", and -o <name>.ptx asks for PTX only");
    SmallVector<StringRef> args = {ptxas,   "-arch", arch,  "-O3",
                                   ptxPath, "-o",    output};
    std::string message;
    int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, {}, 0, 0,
                                       &message);
    if (rc != 0)
      return fail(
          "ptxas failed on " + ptxPath + ": " +
          (message.empty() ? "exit code " + std::to_string(rc) : message));
    auto cubin = llvm::MemoryBuffer::getFile(output, /*IsText=*/false);
    if (!cubin)
      return fail("cannot read " + output);
    image = (*cubin)->getBuffer().str();
  }
  return 0;
}

/// --emulate: the kernels as CPU code for the CUDA emulator, linked into the
/// shared object -o names, which is the image the launcher embeds.
int buildEmulatedImage(ModuleOp module, std::string &image) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  attune::buildGPUEmulation(pm);
  if (failed(pm.run(module)))
    return fail("lowering the GPU kernels for the emulator failed");
  std::string error;
  auto machine = attune::createCPUTargetMachine(cpu, error);
  if (failed(machine))
    return fail(error);
  std::string objectPath = outputFilename + ".o";
  auto object = openOutputFile(objectPath, &error);
  if (!object)
    return fail(error);
  if (failed(attune::emitObjectFile(module, **machine, object->os(), error)))
    return fail(error);
  object->keep();
  object.reset();
  int rc = linkShared(objectPath, outputFilename, /*withOpenMP=*/false);
  llvm::sys::fs::remove(objectPath);
  if (rc)
    return rc;
  auto library = llvm::MemoryBuffer::getFile(outputFilename, /*IsText=*/false);
  if (!library)
    return fail("cannot read " + outputFilename);
  image = (*library)->getBuffer().str();
  return 0;
}

/// The C view of every public function with a body (a model's results
/// become output arguments first), read before lowering; `visit` then sees
/// each function with its view (a nonzero return fails).
int collectKernels(
    ModuleOp module, std::vector<attune::KernelSignature> &kernels,
    llvm::function_ref<int(func::FuncOp, const attune::KernelSignature &)>
        visit = nullptr) {
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    if (func.isDeclaration() || !func.isPublic())
      continue;
    // A model returns its results; a kernel writes them into outputs.
    if (failed(attune::resultsToOutputArguments(func)))
      return 1;
    FailureOr<attune::KernelSignature> kernel = attune::analyzeKernel(func);
    if (failed(kernel))
      return 1;
    kernels.push_back(*kernel);
    if (visit)
      if (int rc = visit(func, *kernel))
        return rc;
  }
  if (kernels.empty())
    return fail("no public function with a body in " + inputFilename);
  return 0;
}

/// --target=cuda: kernels through attune-gpu-pipeline, PTX from LLVM's
/// NVPTX backend, a cubin from ptxas, the header and the C launcher.
int compileForCuda(ModuleOp module) {
  MLIRContext *context = module.getContext();
  std::vector<attune::KernelSignature> signatures;
  if (int rc = collectKernels(module, signatures))
    return rc;

  if (!attune::isSupportedCudaArch(arch))
    return fail("unsupported --arch=" + arch +
                ": the GPU kernels need sm_80 or later, as LLVM's NVPTX "
                "backend names it (sm_80, sm_86, sm_89, sm_90, sm_90a, "
                "sm_100a, sm_120a, ...)");
  attune::GPUPipelineOptions options;
  if (failed(options.parseFromString(pipelineOptions)))
    return fail("bad --pipeline-options: " + pipelineOptions);
  options.chip = arch;
  options.format = "isa";
  PassManager kernelsPM(context, ModuleOp::getOperationName());
  attune::buildGPUKernels(kernelsPM, options);
  if (failed(kernelsPM.run(module)))
    return fail("building the GPU kernels failed");
  FailureOr<std::vector<attune::CudaKernel>> kernels =
      attune::collectCudaKernels(module, signatures);
  if (failed(kernels))
    return 1;
  std::string image;
  bool isPTX = false;
  if (int rc = emulate ? buildEmulatedImage(module, image)
                       : buildCudaImage(module, options, image, isPTX))
    return rc;

  StringRef output = outputFilename;
  std::string headerPath = headerFilename;
  if (headerPath.empty()) {
    SmallString<256> path(output);
    llvm::sys::path::replace_extension(path, ".h");
    headerPath = path.str().str();
  }
  std::string guard =
      "ATTUNE_" + llvm::sys::path::stem(headerPath).str() + "_H";
  for (char &c : guard)
    c = llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  std::string header;
  llvm::raw_string_ostream headerOS(header);
  attune::writeCudaHeader(
      headerOS, *kernels, guard, llvm::sys::path::filename(inputFilename),
      emulate ? arch + "; emulated: the launcher embeds a CPU image for "
                       "Attune's CUDA emulator, build/lib/cuda-emulator"
              : std::string(arch));
  if (int rc = writeFile(headerPath, header))
    return rc;

  std::string launcherPath = launcherFilename;
  if (launcherPath.empty()) {
    SmallString<256> path(output);
    llvm::sys::path::replace_extension(path, "");
    launcherPath = (path + "_launcher.c").str();
  }
  std::string launcher;
  llvm::raw_string_ostream launcherOS(launcher);
  attune::writeCudaLauncher(launcherOS, *kernels,
                            llvm::sys::path::filename(headerPath), image,
                            isPTX);
  return writeFile(launcherPath, launcher);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attune-compile: attn modules to kernels with a "
                              "C header\n");
  if (target != "cpu" && target != "cuda")
    return fail("unknown --target=" + target + " (cpu or cuda)");
  if (emulate && target != "cuda")
    return fail("--emulate is for --target=cuda");

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
  if (target == "cuda")
    return compileForCuda(*module);

  auto machine = attune::createCPUTargetMachine(cpu, error);
  if (failed(machine))
    return fail(error);

  // The function itself moves aside for its checked entry point.
  std::vector<attune::KernelSignature> kernels;
  if (int rc = collectKernels(
          *module, kernels,
          [&](func::FuncOp func, const attune::KernelSignature &kernel) {
            // The header promises `const` inputs: bufferization must copy
            // rather than write into them.
            for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
              if (isa<RankedTensorType>(type))
                func.setArgAttr(i, "bufferization.writable",
                                BoolAttr::get(&context, false));
            if (failed(SymbolTable::replaceAllSymbolUses(
                    func,
                    StringAttr::get(&context, attune::implName(kernel.name)),
                    *module)))
              return fail("could not rename @" + kernel.name);
            SymbolTable::setSymbolName(func, attune::implName(kernel.name));
            return 0;
          }))
    return rc;

  PassManager pm(&context, ModuleOp::getOperationName());
  attune::CPUPipelineOptions options;
  if (failed(options.parseFromString(pipelineOptions)))
    return fail("bad --pipeline-options: " + pipelineOptions);
  options.lanes = attune::vectorLanes(**machine);
  options.openmp = openmp;
  // The target's bf16 products, unless --pipeline-options chose.
  if (!StringRef(pipelineOptions).contains("bf16-dot"))
    options.bf16Dot = attune::hasBf16Dot(**machine);
  if (!StringRef(pipelineOptions).contains("amx"))
    options.amx = attune::hasAmxBf16(**machine);
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
    if (int rc = linkShared(objectPath, outputFilename, openmp))
      return rc;
    llvm::sys::fs::remove(objectPath);
  }

  if (!headerFilename.empty()) {
    auto header = openOutputFile(headerFilename, &error);
    if (!header)
      return fail(error);
    std::string guard =
        "ATTUNE_" + llvm::sys::path::stem(headerFilename).str() + "_H";
    for (char &c : guard)
      c = llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
    attune::writeKernelHeader(header->os(), kernels, guard,
                              llvm::sys::path::filename(inputFilename),
                              (*machine)->getTargetCPU(), options.cacheBuffers);
    header->keep();
  }
  return 0;
}
