//===- KernelForm.cpp - functions in the form kernels are emitted from ----===//

#include "attune/Conversion/KernelForm.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;

std::optional<unsigned> attune::kernelArgumentOf(func::FuncOp func,
                                                 Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    if (arg.getOwner() == &func.getBody().front())
      return arg.getArgNumber();
  for (Operation *user : value.getUsers())
    if (auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(user))
      if (store.getSource() == value)
        return kernelArgumentOf(func, store.getDest());
  return std::nullopt;
}
