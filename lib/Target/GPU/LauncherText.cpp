//===- LauncherText.cpp - pieces of the CUDA launcher's C text ------------===//
//
// The C expressions and statements the launcher is written from that more
// than one launch shape uses, and prefix attention's launch sequence (one
// kernel per segment into workspace slots, then the merge).
//
//===----------------------------------------------------------------------===//

#include "LauncherText.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::attune;

/// C expression of dimension `dim` of host argument `arg`.
std::string attune::detail::extent(const KernelSignature &signature, int64_t arg,
                   unsigned dim) {
  const KernelArgument &argument = signature.arguments[arg];
  if (argument.sizeOf[dim] >= 0)
    return signature.sizes[argument.sizeOf[dim]];
  return std::to_string(argument.staticShape[dim]) + "LL";
}

/// Declares `name`, the flat buffer of host argument `arg`.
void attune::detail::writeBuffer(llvm::raw_ostream &os, const KernelSignature &sig,
                 const std::string &name, int64_t arg) {
  const KernelArgument &argument = sig.arguments[arg];
  os << "  attune_buffer " << name << " = attune_flat(" << argument.name
     << ", 1";
  for (unsigned d = 0; d < argument.staticShape.size(); ++d)
    os << " * " << extent(sig, arg, d);
  os << ");\n";
}

/// The five parameters of flat buffer `name`.
std::string attune::detail::bufferParams(const std::string &name) {
  return "&" + name + ".allocated, &" + name + ".aligned, &" + name +
         ".offset, &" + name + ".size, &" + name + ".stride, ";
}

void attune::detail::writeTensorMaps(llvm::raw_ostream &os,
                                     const KernelSignature &sig,
                                     const CudaKernel &kernel,
                                     const std::string &suffix,
                                     const std::string &keys) {
  int64_t k = kernel.hostArgs[1], v = kernel.hostArgs[2];
  std::string rows = extent(sig, k, 0) + " * " + extent(sig, k, 1);
  os << "  attune_tensor_map key_map" << suffix << "_, value_map" << suffix
     << "_;\n"
     << "  if (!status)\n"
     << "    status = attune_tensor_map_of(&key_map" << suffix << "_, "
     << sig.arguments[k].name << ", " << kernel.headDim << ", " << keys << ", "
     << rows << ", " << kernel.tensorMapRows << ");\n"
     << "  if (!status)\n"
     << "    status = attune_tensor_map_of(&value_map" << suffix << "_, "
     << sig.arguments[v].name << ", " << kernel.valueDim << ", " << keys << ", "
     << rows << ", " << kernel.tensorMapRows << ");\n";
}

/// Prefix attention's launches (after the argument checks): each segment's
/// kernel writes its slot of the workspace, then the merge kernel combines
/// the slots into the outputs. `first`, `merge`: the indices of the first
/// segment's kernel and of the merge kernel; the later segments' kernels
/// follow from `later` on.
void attune::detail::writeSegmentedLaunch(llvm::raw_ostream &os, const CudaKernel &kernel,
                          size_t first, size_t merge, size_t later) {
  const KernelSignature &sig = kernel.signature;
  SmallVector<const CudaKernel *> parts = {&kernel};
  for (const CudaKernel &segment : kernel.segments)
    parts.push_back(&segment);
  int64_t slots = parts.size();
  os << "  attune_CUfunction parts[" << slots << "], merge;\n"
     << "  int multiprocessors;\n"
     << "  int status = attune_function(" << first
     << ", &parts[0], &multiprocessors);\n";
  for (int64_t j = 1; j < slots; ++j)
    os << "  if (!status)\n    status = attune_function(" << later + j - 1
       << ", &parts[" << j << "], &multiprocessors);\n";
  os << "  if (!status)\n    status = attune_function(" << merge
     << ", &merge, &multiprocessors);\n"
     << "  if (status)\n    return status;\n"
     << "  (void)kv_len_;\n"
     << "  /* One workspace slot per segment, merged exactly; a stacked\n"
     << "   * shared segment takes one per key chunk, enough chunks to fill\n"
     << "   * the GPU twice (at least 512 keys a chunk, at most 32;\n"
     << "   * ATTUNE_KV_SPLITS=n fixes them). */\n";
  for (auto [j, part] : llvm::enumerate(parts)) {
    if (!part->stackedRows)
      continue;
    os << "  int64_t chunks_ = 1;\n"
       << "  {\n"
       << "    int64_t blocks = (batch_ * q_len_ * " << part->headsPerBlock
       << " + " << part->blockRows - 1 << ") / " << part->blockRows << " * "
       << part->queryHeads / part->headsPerBlock << ";\n"
       << "    int64_t keys = " << extent(sig, part->hostArgs[1], 2) << ";\n"
       << "    const char *forced = getenv(\"ATTUNE_KV_SPLITS\");\n"
       << "    if (forced && atoll(forced) > 0)\n"
       << "      chunks_ = atoll(forced);\n"
       << "    else if (blocks < multiprocessors)\n"
       << "      chunks_ = (2 * (int64_t)multiprocessors + blocks - 1) / "
          "blocks;\n"
       << "    if ((!forced || atoll(forced) <= 0) && chunks_ > keys / 512)\n"
       << "      chunks_ = keys / 512;\n"
       << "    if (chunks_ > 32)\n      chunks_ = 32;\n"
       << "    if (chunks_ < 1)\n      chunks_ = 1;\n"
       << "  }\n";
  }
  // TMA: each segment's K and V maps, before anything is allocated or
  // launched.
  bool anyMaps = false;
  for (auto [j, part] : llvm::enumerate(parts)) {
    if (part->tensorMapRows <= 0)
      continue;
    writeTensorMaps(os, sig, *part, std::to_string(j),
                    extent(sig, part->hostArgs[1], 2));
    anyMaps = true;
  }
  if (anyMaps)
    os << "  if (status)\n    return status;\n";
  bool anyStacked = llvm::any_of(
      parts, [](const CudaKernel *part) { return part->stackedRows; });
  os << "  int64_t splits_ = " << (anyStacked ? slots - 1 : slots)
     << (anyStacked ? " + chunks_" : "") << ";\n"
     << "  int64_t rows_ = batch_ * " << kernel.queryHeads << " * q_len_;\n"
     << "  int64_t elements = splits_ * rows_ * " << kernel.valueDim << ";\n"
     << "  unsigned long long workspace = 0;\n"
     << "  if (!attune_driver.memAllocAsync ||\n"
     << "      attune_driver.memAllocAsync(&workspace, (size_t)(elements + "
        "splits_ * rows_) * 4, stream) != 0)\n"
     << "    return ATTUNE_ERR_DRIVER;\n"
     << "  attune_buffer w0 = attune_flat((const void *)(uintptr_t)workspace, "
        "elements);\n"
     << "  attune_buffer w1 = attune_flat((const void *)(uintptr_t)(workspace "
        "+ (unsigned long long)elements * 4), splits_ * rows_);\n";
  // Each segment's first key in the concatenation, and its length.
  if (llvm::any_of(
          parts, [](const CudaKernel *part) { return part->positionedKeys; })) {
    os << "  int64_t key_offset_[" << slots << "], concatenation_ = 0;\n";
    for (auto [j, part] : llvm::enumerate(parts))
      os << "  key_offset_[" << j << "] = concatenation_;\n"
         << "  concatenation_ += " << extent(sig, part->hostArgs[1], 2)
         << ";\n";
  }
  for (auto [j, part] : llvm::enumerate(parts)) {
    std::string prefix = "s" + std::to_string(j) + "p";
    for (auto [p, arg] : llvm::enumerate(part->hostArgs))
      writeBuffer(os, sig, prefix + std::to_string(p), arg);
    os << "  int64_t kv_len" << j << "_ = " << extent(sig, part->hostArgs[1], 2)
       << ";\n";
    os << "  void *params" << j << "[] = {";
    // TMA: the segment's own K and V maps lead its parameters.
    if (part->tensorMapRows > 0)
      os << "&key_map" << j << "_, &value_map" << j << "_, ";
    for (size_t p = 0; p < part->hostArgs.size(); ++p)
      os << bufferParams(prefix + std::to_string(p));
    // A stacked segment's kernel reads its chunk count where the others
    // read S, and spreads its chunks over grid z.
    const char *rowsTimes = part->stackedRows ? "batch_ * q_len_" : "q_len_";
    os << bufferParams("w0") << bufferParams("w1")
       << "&batch_, &q_len_, &kv_len" << j << "_, "
       << (part->stackedRows ? "&chunks_" : "&splits_");
    if (part->positionedKeys)
      os << ", &key_offset_[" << j << "], &concatenation_";
    if (part->raggedConcatenation)
      os << ", &key_offset_[" << parts.size() - 1 << "]";
    os << "};\n"
       << "  if (!status && attune_driver.launchKernel(parts[" << j
       << "], (unsigned)((" << rowsTimes << " * " << part->headsPerBlock
       << " + " << part->blockRows - 1 << ") / " << part->blockRows << "), "
       << part->queryHeads / part->headsPerBlock << ", (unsigned)"
       << (part->stackedRows ? "chunks_" : "batch_") << ", " << part->threads
       << ", 1, 1, " << part->sharedBytes << ", stream, params" << j
       << ", NULL) != 0)\n"
       << "    status = ATTUNE_ERR_DRIVER;\n";
  }
  os << "  void *merge_params[] = {" << bufferParams("w0") << bufferParams("w1")
     << bufferParams("s0p3");
  if (kernel.hasLse)
    os << bufferParams("s0p4");
  os << "&rows_, &splits_};\n"
     << "  if (!status && attune_driver.launchKernel(merge, (unsigned)((rows_ "
        "* "
     << kernel.valueDim
     << " + 255) / 256), 1, 1, 256, 1, 1, 0, stream, merge_params, NULL) != "
        "0)\n"
     << "    status = ATTUNE_ERR_DRIVER;\n"
     << "  if (attune_driver.memFreeAsync(workspace, stream) != 0)\n"
     << "    status = ATTUNE_ERR_DRIVER;\n"
     << "  return status;\n}\n";
}

