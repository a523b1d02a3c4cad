//===- CudaLauncher.cpp - C header and launcher of GPU kernels ------------===//

#include "attune/Target/GPU/CudaLauncher.h"
#include "LauncherText.h"

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// A kernel's launch, read off the attributes convert-attn-to-gpu put on it.
static FailureOr<CudaKernel> readKernel(gpu::GPUModuleOp kernels,
                                        gpu::GPUFuncOp func,
                                        const KernelSignature &signature) {
  CudaKernel kernel;
  kernel.signature = signature;
  kernel.kernelName = func.getName().str();
  auto hostArgs =
      func->getAttrOfType<DenseI64ArrayAttr>(GPUKernelAttrs::hostArgs);
  auto number = [&](const char *name) -> int64_t {
    auto attr = func->getAttrOfType<IntegerAttr>(name);
    return attr ? attr.getInt() : 0;
  };
  if (!hostArgs || hostArgs.size() < 4)
    return func.emitError("attune-compile: kernel without its launch "
                          "attributes");
  kernel.hostArgs.assign(hostArgs.asArrayRef().begin(),
                         hostArgs.asArrayRef().end());
  if (auto extra =
          func->getAttrOfType<DenseI64ArrayAttr>(GPUKernelAttrs::extraSizes))
    kernel.extraSizes.assign(extra.asArrayRef().begin(),
                             extra.asArrayRef().end());
  kernel.blockRows = number(GPUKernelAttrs::blockRows);
  kernel.queryBlock = number(GPUKernelAttrs::queryBlock);
  kernel.threads = number(GPUKernelAttrs::threads);
  kernel.sharedBytes = number(GPUKernelAttrs::sharedBytes);
  kernel.queryHeads = number(GPUKernelAttrs::queryHeads);
  kernel.headsPerBlock =
      std::max<int64_t>(1, number(GPUKernelAttrs::headsPerBlock));
  if (auto merge = func->getAttrOfType<StringAttr>(GPUKernelAttrs::mergeKernel))
    kernel.mergeKernel = merge.str();
  // Parameter 3 is out [B, Hq, Lq, Dv]; the merge kernel writes the LSE
  // (parameter 4) when it has a parameter for it.
  const KernelArgument &out = signature.arguments[kernel.hostArgs[3]];
  kernel.valueDim = out.staticShape.back();
  auto merge = kernels.lookupSymbol<gpu::GPUFuncOp>(kernel.mergeKernel);
  if (!merge)
    return func.emitError("attune-compile: no merge kernel @")
           << kernel.mergeKernel;
  kernel.hasLse = merge.getNumArguments() == 6;
  kernel.stackedRows = func->hasAttr(GPUKernelAttrs::stackedRows);
  kernel.positionedKeys = func->hasAttr(GPUKernelAttrs::positionedKeys);
  kernel.raggedConcatenation =
      func->hasAttr(GPUKernelAttrs::raggedConcatenation);
  kernel.tensorMapRows = number(GPUKernelAttrs::tensorMapRows);
  kernel.headDim = signature.arguments[kernel.hostArgs[1]].staticShape.back();
  return kernel;
}

FailureOr<std::vector<CudaKernel>>
attune::collectCudaKernels(ModuleOp module,
                           ArrayRef<KernelSignature> signatures) {
  auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("attune_kernels");
  std::vector<CudaKernel> result;
  for (const KernelSignature &signature : signatures) {
    auto func = kernels ? kernels.lookupSymbol<gpu::GPUFuncOp>(signature.name)
                        : gpu::GPUFuncOp();
    if (!func)
      return emitError(module.getLoc(),
                       "attune-compile: no GPU kernel was built for @")
             << signature.name << " (it holds no attn.attention)";
    FailureOr<CudaKernel> kernel = readKernel(kernels, func, signature);
    if (failed(kernel))
      return failure();
    if (auto names =
            func->getAttrOfType<ArrayAttr>(GPUKernelAttrs::segmentKernels)) {
      for (auto name : names.getAsRange<StringAttr>()) {
        auto segment = kernels.lookupSymbol<gpu::GPUFuncOp>(name);
        FailureOr<CudaKernel> part =
            segment ? readKernel(kernels, segment, signature)
                    : FailureOr<CudaKernel>(
                          func.emitError("attune-compile: no segment kernel @")
                          << name);
        if (failed(part))
          return failure();
        kernel->segments.push_back(std::move(*part));
      }
    }
    result.push_back(std::move(*kernel));
  }
  return result;
}

namespace {

/// The C parameter list of `kernel` (device pointers, sizes, stream).
std::string parameterList(const CudaKernel &kernel) {
  std::string text;
  llvm::raw_string_ostream os(text);
  bool first = true;
  for (const KernelArgument &arg : kernel.signature.arguments) {
    os << (first ? "" : ", ") << (arg.output ? "void *" : "const void *")
       << arg.name;
    first = false;
  }
  for (const std::string &size : kernel.signature.sizes)
    os << (first ? "" : ", ") << "int64_t " << size, first = false;
  os << (first ? "" : ", ") << "void *stream";
  return text;
}

} // namespace

void attune::writeCudaHeader(llvm::raw_ostream &os,
                             ArrayRef<CudaKernel> kernels, StringRef guard,
                             StringRef source, StringRef arch) {
  os << "/* Generated by attune-compile from " << source << " (cuda: " << arch
     << "). Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  writeStatusCodes(os);
  os << "/* Pointers are CUDA device pointers (CUdeviceptr / cudaMalloc) to\n"
     << " * row-major, contiguous tensors; f16 and bf16 elements are their 16\n"
     << " * bits. `stream` is a CUstream (cudaStream_t; NULL: the legacy\n"
     << " * default stream) of the CUDA context current on the calling\n"
     << " * thread; the kernel is enqueued on it, not waited for. The "
        "launcher\n"
     << " * finds libcuda.so.1 at run time and loads its kernels once per\n"
     << " * context. Outputs must not overlap the inputs. When a launch has\n"
     << " * fewer blocks than the GPU has multiprocessors (decode), the keys "
        "are\n"
     << " * split into chunks run in parallel and merged exactly by a second\n"
     << " * kernel on the same stream (its workspace comes from\n"
     << " * cuMemAllocAsync and is freed in stream order);\n"
     << " * ATTUNE_KV_SPLITS=<n> in the environment fixes the chunk count. "
        "*/\n";
  for (const CudaKernel &kernel : kernels) {
    const KernelSignature &sig = kernel.signature;
    writeKernelDoc(os, sig);
    os << " *   launch: " << kernel.threads << " threads and "
       << kernel.sharedBytes << " bytes of shared memory per block of "
       << kernel.blockRows << " query rows";
    if (kernel.headsPerBlock > 1)
      os << " (the " << kernel.headsPerBlock
         << " query heads of a KV group share a block)";
    if (!kernel.segments.empty())
      os << ";\n *   prefix attention: one kernel per KV segment ("
         << kernel.segments.size() + 1
         << "), merged exactly by a merge kernel through a workspace from "
            "cuMemAllocAsync (ATTUNE_ERR_DRIVER without it)";
    if (kernel.tensorMapRows > 0)
      os << ";\n *   K and V through the TMA on tensor maps encoded at each "
            "launch (cuTensorMapEncodeTiled, CUDA 12+; ATTUNE_ERR_DRIVER "
            "without it): both 16-byte aligned, else ATTUNE_ERR_MISALIGNED";
    os << "; batch at most 65535\n"
       << " */\nint32_t " << sig.name << "(" << parameterList(kernel) << ");\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}

void attune::writeCudaLauncher(llvm::raw_ostream &os,
                               ArrayRef<CudaKernel> kernels, StringRef header,
                               StringRef image, bool isPTX) {
  os << "/* Generated by attune-compile. Do not edit. Compile with a C99\n"
     << " * compiler and link with -ldl -lpthread; no CUDA headers needed. */\n"
     << "#include \"" << header << "\"\n\n"
     << "#include <dlfcn.h>\n#include <pthread.h>\n#include <stddef.h>\n"
     << "#include <stdint.h>\n#include <stdlib.h>\n\n"
     << "/* The few CUDA driver API types and entry points used. */\n"
     << "typedef int attune_CUresult;\n"
     << "typedef struct attune_CUctx_st *attune_CUcontext;\n"
     << "typedef struct attune_CUmod_st *attune_CUmodule;\n"
     << "typedef struct attune_CUfunc_st *attune_CUfunction;\n"
     << "#define ATTUNE_CU_MAX_DYNAMIC_SHARED 8 /* CU_FUNC_ATTRIBUTE_... */\n\n"
     << "/* The " << (isPTX ? "PTX (compiled by the driver at load)" : "cubin")
     << " of every kernel. */\n"
     << "static const unsigned char attune_image[] = {";
  for (size_t i = 0; i < image.size(); ++i) {
    if (i % 16 == 0)
      os << "\n ";
    os << " " << static_cast<unsigned>(static_cast<unsigned char>(image[i]))
       << ",";
  }
  if (isPTX)
    os << " 0,"; // cuModuleLoadData reads PTX as a C string
  os << "\n};\n\n";
  // Kernel i, then its merge kernel at N + i (N kernels), then the later
  // segments' kernels of prefix attention.
  std::vector<const CudaKernel *> segmentKernels;
  for (const CudaKernel &kernel : kernels)
    for (const CudaKernel &segment : kernel.segments)
      segmentKernels.push_back(&segment);
  os << "#define ATTUNE_NUM_KERNELS "
     << 2 * kernels.size() + segmentKernels.size() << "\n"
     << "static const char *const attune_kernel_names[ATTUNE_NUM_KERNELS] = {";
  for (const CudaKernel &kernel : kernels)
    os << "\"" << kernel.signature.name << "\", ";
  for (const CudaKernel &kernel : kernels)
    os << "\"" << kernel.mergeKernel << "\", ";
  for (const CudaKernel *segment : segmentKernels)
    os << "\"" << segment->kernelName << "\", ";
  os << "};\n"
     << "static const int attune_kernel_shared[ATTUNE_NUM_KERNELS] = {";
  for (const CudaKernel &kernel : kernels)
    os << kernel.sharedBytes << ", ";
  for (size_t i = 0; i < kernels.size(); ++i)
    os << "0, ";
  for (const CudaKernel *segment : segmentKernels)
    os << segment->sharedBytes << ", ";
  os << "};\n\n";
  os << R"C(static struct {
  int tried;
  void *library;
  attune_CUresult (*ctxGetCurrent)(attune_CUcontext *);
  attune_CUresult (*moduleLoadData)(attune_CUmodule *, const void *);
  attune_CUresult (*moduleGetFunction)(attune_CUfunction *, attune_CUmodule,
                                       const char *);
  attune_CUresult (*funcSetAttribute)(attune_CUfunction, int, int);
  attune_CUresult (*launchKernel)(attune_CUfunction, unsigned, unsigned,
                                  unsigned, unsigned, unsigned, unsigned,
                                  unsigned, void *, void **, void **);
  attune_CUresult (*ctxGetDevice)(int *);
  attune_CUresult (*deviceGetAttribute)(int *, int, int);
  attune_CUresult (*moduleUnload)(attune_CUmodule);
  /* Split-KV's stream-ordered workspace (CUDA 11.2+); without them, or when
   * an allocation fails, kernels run unsplit. */
  attune_CUresult (*memAllocAsync)(unsigned long long *, size_t, void *);
  attune_CUresult (*memFreeAsync)(unsigned long long, void *);
  /* TMA kernels' tensor maps (CUDA 12+). */
  attune_CUresult (*tensorMapEncodeTiled)(
      void *, int, unsigned, void *, const unsigned long long *,
      const unsigned long long *, const unsigned *, const unsigned *, int, int,
      int, int);
} attune_driver;

/* The module loaded in each CUDA context this process used. */
#define ATTUNE_MAX_CONTEXTS 64
static struct {
  attune_CUcontext context;
  attune_CUfunction functions[ATTUNE_NUM_KERNELS];
  int multiprocessors;
} attune_loaded[ATTUNE_MAX_CONTEXTS];
static int attune_num_loaded;
static pthread_mutex_t attune_lock = PTHREAD_MUTEX_INITIALIZER;

static int attune_open_driver(void) {
  if (attune_driver.tried)
    return attune_driver.library ? 0 : ATTUNE_ERR_NO_DRIVER;
  attune_driver.tried = 1;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return ATTUNE_ERR_NO_DRIVER;
  *(void **)&attune_driver.ctxGetCurrent = dlsym(library, "cuCtxGetCurrent");
  *(void **)&attune_driver.moduleLoadData = dlsym(library, "cuModuleLoadData");
  *(void **)&attune_driver.moduleGetFunction =
      dlsym(library, "cuModuleGetFunction");
  *(void **)&attune_driver.funcSetAttribute =
      dlsym(library, "cuFuncSetAttribute");
  *(void **)&attune_driver.launchKernel = dlsym(library, "cuLaunchKernel");
  *(void **)&attune_driver.ctxGetDevice = dlsym(library, "cuCtxGetDevice");
  *(void **)&attune_driver.deviceGetAttribute =
      dlsym(library, "cuDeviceGetAttribute");
  *(void **)&attune_driver.moduleUnload = dlsym(library, "cuModuleUnload");
  *(void **)&attune_driver.memAllocAsync = dlsym(library, "cuMemAllocAsync");
  *(void **)&attune_driver.memFreeAsync = dlsym(library, "cuMemFreeAsync");
  *(void **)&attune_driver.tensorMapEncodeTiled =
      dlsym(library, "cuTensorMapEncodeTiled");
  if (!attune_driver.memAllocAsync || !attune_driver.memFreeAsync)
    attune_driver.memAllocAsync = NULL, attune_driver.memFreeAsync = NULL;
  if (!attune_driver.ctxGetCurrent || !attune_driver.moduleLoadData ||
      !attune_driver.moduleGetFunction || !attune_driver.funcSetAttribute ||
      !attune_driver.launchKernel || !attune_driver.ctxGetDevice ||
      !attune_driver.deviceGetAttribute || !attune_driver.moduleUnload) {
    dlclose(library);
    return ATTUNE_ERR_NO_DRIVER;
  }
  attune_driver.library = library;
  return 0;
}

/* Kernel `index` in the calling thread's current context, loading the
 * module into that context the first time, and the context's number of
 * multiprocessors. */
static int attune_function(int index, attune_CUfunction *function,
                           int *multiprocessors) {
  int status = 0;
  pthread_mutex_lock(&attune_lock);
  status = attune_open_driver();
  attune_CUcontext context = NULL;
  if (!status && (attune_driver.ctxGetCurrent(&context) != 0 || !context))
    status = ATTUNE_ERR_NO_CONTEXT;
  int slot = -1;
  for (int i = 0; !status && i < attune_num_loaded; ++i)
    if (attune_loaded[i].context == context)
      slot = i;
  if (!status && slot < 0) {
    attune_CUmodule module;
    if (attune_num_loaded == ATTUNE_MAX_CONTEXTS ||
        attune_driver.moduleLoadData(&module, attune_image) != 0) {
      status = ATTUNE_ERR_DRIVER;
    } else {
      slot = attune_num_loaded;
      for (int k = 0; !status && k < ATTUNE_NUM_KERNELS; ++k)
        if (attune_driver.moduleGetFunction(&attune_loaded[slot].functions[k],
                                            module,
                                            attune_kernel_names[k]) != 0 ||
            attune_driver.funcSetAttribute(attune_loaded[slot].functions[k],
                                           ATTUNE_CU_MAX_DYNAMIC_SHARED,
                                           attune_kernel_shared[k]) != 0)
          status = ATTUNE_ERR_DRIVER;
      int device = 0, count = 0;
      if (!status && (attune_driver.ctxGetDevice(&device) != 0 ||
                      attune_driver.deviceGetAttribute(
                          &count, 16 /* MULTIPROCESSOR_COUNT */, device) != 0))
        status = ATTUNE_ERR_DRIVER;
      if (!status) {
        attune_loaded[slot].context = context;
        attune_loaded[slot].multiprocessors = count;
        ++attune_num_loaded;
      } else {
        attune_driver.moduleUnload(module); /* not kept: nothing leaks */
      }
    }
  }
  if (!status) {
    *function = attune_loaded[slot].functions[index];
    *multiprocessors = attune_loaded[slot].multiprocessors;
  }
  pthread_mutex_unlock(&attune_lock);
  return status;
}

/* A flat memref<?xT> parameter: allocated and aligned pointers, offset,
 * size, stride. */
typedef struct {
  const void *allocated, *aligned;
  int64_t offset, size, stride;
} attune_buffer;

static attune_buffer attune_flat(const void *pointer, int64_t elements) {
  attune_buffer buffer = {pointer, pointer, 0, elements, 1};
  return buffer;
}

)C";
  // Split-KV's chunk count, for the kernels that are not prefix attention.
  if (llvm::any_of(kernels, [](const CudaKernel &kernel) {
        return kernel.segments.empty();
      }))
    os << R"C(/* Key chunks for a launch of `blocks` blocks: enough to fill the GPU twice
 * when it is not filled, at least 512 keys a chunk, at most 16 chunks. */
static int64_t attune_kv_splits(int64_t blocks, int multiprocessors,
                                int64_t kv_len, int64_t batch) {
  int64_t splits = 1;
  const char *forced = getenv("ATTUNE_KV_SPLITS");
  int fixed = forced && atoll(forced) > 0;
  if (!attune_driver.memAllocAsync)
    return 1;
  if (fixed)
    splits = atoll(forced);
  else if (blocks < multiprocessors)
    splits = (2 * (int64_t)multiprocessors + blocks - 1) / blocks;
  if (!fixed && splits > kv_len / 512)
    splits = kv_len / 512;
  if (splits > 16)
    splits = 16;
  if (splits > 65535 / batch)
    splits = 65535 / batch;
  return splits < 1 ? 1 : splits;
}
)C";

  auto usesTma = [](const CudaKernel &kernel) {
    return kernel.tensorMapRows > 0;
  };
  if (llvm::any_of(kernels, [&](const CudaKernel &kernel) {
        return usesTma(kernel) || llvm::any_of(kernel.segments, usesTma);
      }))
    os << R"C(/* CUtensorMap: 128 opaque bytes, 64-byte aligned. */
typedef struct {
  uint64_t opaque[16];
} __attribute__((aligned(64))) attune_tensor_map;

/* The tensor map of `rows` x `keys` x `dim` 16-bit elements at device
 * pointer `data` (K or V as [B * Hkv, Lk, D]), boxes of 64 x box_keys x 1
 * (128-byte rows), 128-byte swizzle, zeros outside. */
static int attune_tensor_map_of(attune_tensor_map *map, const void *data,
                                int64_t dim, int64_t keys, int64_t rows,
                                int64_t box_keys) {
  if (!attune_driver.tensorMapEncodeTiled)
    return ATTUNE_ERR_DRIVER;
  if ((uintptr_t)data % 16 != 0)
    return ATTUNE_ERR_MISALIGNED;
  if (keys < 1)
    keys = 1; /* no key is read; the map must still be valid */
  unsigned long long dims[3] = {(unsigned long long)dim,
                                (unsigned long long)keys,
                                (unsigned long long)rows};
  unsigned long long strides[2] = {(unsigned long long)dim * 2,
                                   (unsigned long long)(dim * keys) * 2};
  unsigned box[3] = {64, (unsigned)box_keys, 1}, steps[3] = {1, 1, 1};
  /* UINT16 (bits), no interleave, 128-byte swizzle, L2 promotion 128 B,
   * zeros. */
  return attune_driver.tensorMapEncodeTiled(map, 1, 3, (void *)data, dims,
                                            strides, box, steps, 0, 3, 2,
                                            0) != 0
             ? ATTUNE_ERR_DRIVER
             : ATTUNE_OK;
}
)C";

  size_t nextSegment = 2 * kernels.size();
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    const KernelSignature &sig = kernel.signature;
    os << "\nint32_t " << sig.name << "(" << parameterList(kernel) << ") {\n";
    // Pointers, then sizes.
    for (const KernelArgument &arg : sig.arguments)
      os << "  if (!" << arg.name << ")\n    return ATTUNE_ERR_NULL_POINTER;\n";
    for (auto [size, fixed] : llvm::zip(sig.sizes, sig.fixedSizes)) {
      os << "  if (" << size << " < 0 || " << size << " > INT32_MAX";
      if (fixed >= 0)
        os << " || " << size << " != " << fixed;
      os << ")\n    return ATTUNE_ERR_BAD_SIZE;\n";
    }
    int64_t q = kernel.hostArgs[0], k = kernel.hostArgs[1];
    os << "  int64_t batch_ = " << extent(sig, q, 0)
       << ", q_len_ = " << extent(sig, q, 2)
       << ", kv_len_ = " << extent(sig, k, 2) << ";\n"
       << "  if (batch_ > 65535)\n    return ATTUNE_ERR_BAD_SIZE;\n"
       << "  if (batch_ == 0 || q_len_ == 0)\n    return ATTUNE_OK;\n";
    if (!kernel.segments.empty()) {
      writeSegmentedLaunch(os, kernel, index, kernels.size() + index,
                           nextSegment);
      nextSegment += kernel.segments.size();
      continue;
    }
    os << "  attune_CUfunction function, merge;\n"
       << "  int multiprocessors;\n"
       << "  int status = attune_function(" << index
       << ", &function, &multiprocessors);\n"
       << "  if (!status)\n"
       << "    status = attune_function(" << kernels.size() + index
       << ", &merge, &multiprocessors);\n"
       << "  if (status)\n    return status;\n";
    // One flat buffer per kernel parameter.
    for (auto [p, arg] : llvm::enumerate(kernel.hostArgs))
      writeBuffer(os, sig, "p" + std::to_string(p), arg);
    // Block lists: their extents, and enough query blocks for Lq (the
    // kernel reads the block of each query tile).
    for (size_t e = 0; e < kernel.extraSizes.size() / 2; ++e)
      os << "  int64_t extra" << e << "_ = "
         << extent(sig, kernel.hostArgs[kernel.extraSizes[2 * e]],
                   kernel.extraSizes[2 * e + 1])
         << ";\n";
    // (extra0_ is q_blocks when the counts are a parameter, dimension 2.)
    if (kernel.extraSizes.size() >= 2 && kernel.extraSizes[1] == 2 &&
        kernel.queryBlock > 0)
      os << "  if (extra0_ < (q_len_ + " << kernel.queryBlock - 1 << ") / "
         << kernel.queryBlock << ")\n    return ATTUNE_ERR_BAD_SIZE;\n";
    // TMA: the tensor maps of K and V lead the parameters.
    if (kernel.tensorMapRows > 0) {
      writeTensorMaps(os, sig, kernel, "", "kv_len_");
      os << "  if (status)\n    return status;\n";
    }
    // Split-KV: the chunk count and, for several, the workspace.
    os << "  unsigned tiles = (unsigned)((q_len_ * " << kernel.headsPerBlock
       << " + " << kernel.blockRows - 1 << ") / " << kernel.blockRows << ");\n"
       << "  int64_t splits_ = attune_kv_splits((int64_t)tiles * "
       << kernel.queryHeads / kernel.headsPerBlock
       << " * batch_, multiprocessors, kv_len_, batch_);\n"
       << "  int64_t rows_ = batch_ * " << kernel.queryHeads << " * q_len_;\n"
       << "  unsigned long long workspace = 0;\n"
       << "  attune_buffer w0 = attune_flat(NULL, 0), w1 = attune_flat(NULL, "
          "0);\n"
       << "  if (splits_ > 1) {\n"
       << "    int64_t elements = splits_ * rows_ * " << kernel.valueDim
       << ";\n"
       << "    if (attune_driver.memAllocAsync(&workspace, (size_t)(elements + "
          "splits_ * rows_) * 4, stream) != 0) {\n"
       << "      splits_ = 1; /* no workspace: run unsplit */\n"
       << "    } else {\n"
       << "      w0 = attune_flat((const void *)(uintptr_t)workspace, "
          "elements);\n"
       << "      w1 = attune_flat((const void *)(uintptr_t)(workspace + "
          "(unsigned long long)elements * 4), splits_ * rows_);\n"
       << "    }\n"
       << "  }\n";
    os << "  void *params[] = {";
    if (kernel.tensorMapRows > 0)
      os << "&key_map_, &value_map_, ";
    for (size_t p = 0; p < kernel.hostArgs.size(); ++p)
      os << bufferParams("p" + std::to_string(p));
    os << bufferParams("w0") << bufferParams("w1");
    os << "&batch_, &q_len_, &kv_len_";
    for (size_t e = 0; e < kernel.extraSizes.size() / 2; ++e)
      os << ", &extra" << e << "_";
    os << ", &splits_};\n"
       << "  if (attune_driver.launchKernel(function, tiles, "
       << kernel.queryHeads / kernel.headsPerBlock
       << ", (unsigned)(batch_ * splits_), " << kernel.threads << ", 1, 1, "
       << kernel.sharedBytes << ", stream, params, NULL) != 0)\n"
       << "    status = ATTUNE_ERR_DRIVER;\n"
       << "  if (splits_ > 1) {\n"
       << "    void *merge_params[] = {&w0.allocated, &w0.aligned, &w0.offset, "
          "&w0.size, &w0.stride, &w1.allocated, &w1.aligned, &w1.offset, "
          "&w1.size, &w1.stride, &p3.allocated, &p3.aligned, &p3.offset, "
          "&p3.size, &p3.stride, ";
    if (kernel.hasLse)
      os << "&p4.allocated, &p4.aligned, &p4.offset, &p4.size, &p4.stride, ";
    os << "&rows_, &splits_};\n"
       << "    if (!status && attune_driver.launchKernel(merge, "
          "(unsigned)((rows_ * "
       << kernel.valueDim
       << " + 255) / 256), 1, 1, 256, 1, 1, 0, stream, "
          "merge_params, NULL) != 0)\n"
       << "      status = ATTUNE_ERR_DRIVER;\n"
       << "    if (attune_driver.memFreeAsync(workspace, stream) != 0)\n"
       << "      status = ATTUNE_ERR_DRIVER;\n"
       << "  }\n"
       << "  return status;\n}\n";
  }
}
