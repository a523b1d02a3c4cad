//===- Machine.h - peak rates measured by attune-bench at start -*- C++ -*-===//

#ifndef ATTUNE_BENCH_MACHINE_H
#define ATTUNE_BENCH_MACHINE_H

#include <string>

namespace attune::bench {

/// What this machine can do, measured on `threads` threads.
struct Machine {
  int threads = 1;
  std::string isa;           // "avx512" or "avx2"
  std::string model;         // /proc/cpuinfo's model name
  double fmaGflops = 0;      // f32 FMA, all registers, no memory
  double bf16DotGflops = 0;  // vdpbf16ps (0 without avx512_bf16)
  double amxGflops = 0;      // tdpbf16ps on tile registers (0 without AMX)
  double readGbps = 0;       // streaming read of a buffer far above the caches
};

Machine measureMachine(int threads);

} // namespace attune::bench

#endif // ATTUNE_BENCH_MACHINE_H
