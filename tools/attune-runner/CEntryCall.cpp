//===- CEntryCall.cpp - call an emitted kernel's C entry point ------------===//
//
// Every parameter of an entry point is a pointer or an int64_t, which the
// x86-64 calling conventions pass alike (one integer register or stack slot
// each): the call goes through a function type of as many intptr_t
// parameters.
//
//===----------------------------------------------------------------------===//

#include "CEntryCall.h"

#include <cstdint>

using namespace attune::runner;

namespace {
template <size_t... I>
int32_t callWith(void *entry, llvm::ArrayRef<intptr_t> args,
                 std::index_sequence<I...>) {
  using Fn = int32_t (*)(decltype(I, intptr_t())...);
  return reinterpret_cast<Fn>(entry)(args[I]...);
}

template <size_t N> int32_t callN(void *entry, llvm::ArrayRef<intptr_t> args) {
  return callWith(entry, args, std::make_index_sequence<N>());
}
} // namespace

llvm::Expected<int32_t> attune::runner::callCEntry(
    void *entry, const mlir::attune::KernelSignature &kernel, Problem &problem,
    llvm::ArrayRef<intptr_t> trailing) {
  if (kernel.arguments.size() != problem.arguments.size())
    return llvm::createStringError("the entry point takes " +
                                   std::to_string(kernel.arguments.size()) +
                                   " tensors, the problem has " +
                                   std::to_string(problem.arguments.size()));
  llvm::SmallVector<intptr_t> args;
  for (Argument &arg : problem.arguments)
    args.push_back(reinterpret_cast<intptr_t>(arg.buffer.data()));
  for (size_t s = 0; s < kernel.sizes.size(); ++s) {
    std::optional<int64_t> value;
    for (auto [a, arg] : llvm::enumerate(kernel.arguments))
      for (auto [d, sizeOf] : llvm::enumerate(arg.sizeOf))
        if (!value && sizeOf == static_cast<int>(s))
          value = problem.arguments[a].shape[d];
    if (!value)
      return llvm::createStringError("no argument has size " + kernel.sizes[s]);
    args.push_back(static_cast<intptr_t>(*value));
  }
  args.append(trailing.begin(), trailing.end());
  switch (args.size()) {
#define ATTUNE_CALL(N)                                                         \
  case N:                                                                      \
    return callN<N>(entry, args);
    ATTUNE_CALL(1)
    ATTUNE_CALL(2)
    ATTUNE_CALL(3)
    ATTUNE_CALL(4) ATTUNE_CALL(5) ATTUNE_CALL(6) ATTUNE_CALL(7) ATTUNE_CALL(8)
        ATTUNE_CALL(9) ATTUNE_CALL(10) ATTUNE_CALL(11) ATTUNE_CALL(12)
            ATTUNE_CALL(13) ATTUNE_CALL(14) ATTUNE_CALL(15) ATTUNE_CALL(16)
                ATTUNE_CALL(17) ATTUNE_CALL(18) ATTUNE_CALL(19) ATTUNE_CALL(20)
                    ATTUNE_CALL(21) ATTUNE_CALL(22) ATTUNE_CALL(23)
                        ATTUNE_CALL(24)
#undef ATTUNE_CALL
  }
  return llvm::createStringError("entry points with " +
                                 std::to_string(args.size()) +
                                 " parameters are not supported by the runner");
}

llvm::Error
attune::runner::callChecked(void *entry,
                            const mlir::attune::KernelSignature &kernel,
                            Problem &problem, llvm::ArrayRef<intptr_t> trailing) {
  llvm::Expected<int32_t> status = callCEntry(entry, kernel, problem, trailing);
  if (!status)
    return status.takeError();
  if (*status != 0)
    return llvm::createStringError("the entry point returned status " +
                                   std::to_string(*status));
  return llvm::Error::success();
}
