//===- Models.h - whole-model scenarios of attune-bench ---------*- C++ -*-===//

#ifndef ATTUNE_BENCH_MODELS_H
#define ATTUNE_BENCH_MODELS_H

namespace attune::bench {

/// Registers llama_block/L=<L>/<impl>, impl attune_raised or
/// attune_unraised: the exported Llama-style decoder block compiled with its
/// attention raised to attn.attention, or lowered as the exporter wrote it.
void registerModels();

} // namespace attune::bench

#endif // ATTUNE_BENCH_MODELS_H
