//===- CEntryCall.h - call an emitted kernel's C entry point ----*- C++ -*-===//

#ifndef ATTUNE_TOOLS_ATTUNE_RUNNER_CENTRYCALL_H
#define ATTUNE_TOOLS_ATTUNE_RUNNER_CENTRYCALL_H

#include "Problem.h"
#include "attune/Target/CPU/KernelABI.h"

#include "llvm/Support/Error.h"

namespace attune::runner {

/// Calls `entry`, the C entry point of kernel `kernel` (plain pointers, then
/// int64_t sizes; see KernelABI.h), on the problem's buffers with the sizes
/// read off their shapes, then `trailing` (a CUDA launcher's stream).
/// Returns the entry point's status.
llvm::Expected<int32_t> callCEntry(void *entry,
                                   const mlir::attune::KernelSignature &kernel,
                                   Problem &problem,
                                   llvm::ArrayRef<intptr_t> trailing = {});

/// callCEntry, failing on a nonzero status.
llvm::Error callChecked(void *entry,
                        const mlir::attune::KernelSignature &kernel,
                        Problem &problem,
                        llvm::ArrayRef<intptr_t> trailing = {});

} // namespace attune::runner

#endif // ATTUNE_TOOLS_ATTUNE_RUNNER_CENTRYCALL_H
