//===- BufferCache.cpp - the attune-buffer-cache pass ---------------------===//
//
// Temporaries of a compiled model are heap buffers allocated and freed on
// every call: at a long sequence length tens of MB, which the C library
// returns to the system on free, so that every call page-faults them in
// again (a third of a Llama block's time at L = 2048 on this machine kind).
// This pass gives the module allocation functions of its own, which
// memref-to-llvm calls in place of malloc / free (its generic-functions
// mode): large blocks (64 KiB and more) freed go to a per-thread cache of 32
// and the next allocation that fits (at least the size, at most twice it)
// takes one back; small ones go straight to the C library. A thread keeps
// at most 32 blocks (the largest freed), for the life of the thread.
//
// The functions are written below in the LLVM dialect and have internal
// linkage: every object carries its own cache.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

namespace mlir {
namespace attune {
#define GEN_PASS_DEF_BUFFERCACHE
#include "attune/Conversion/Passes.h.inc"
} // namespace attune
} // namespace mlir

using namespace mlir;

namespace {

/// Blocks carry a 64-byte header before the user's bytes: their capacity
/// (at -64) and the address to free (at -56; the header itself unless the
/// block is aligned beyond 64 bytes, which is never cached).
constexpr char kCacheSource[] = R"mlir(

  llvm.mlir.global internal thread_local @__attune_cache_blocks() {addr_space = 0 : i32} : !llvm.array<32 x ptr> {
    %0 = llvm.mlir.zero : !llvm.array<32 x ptr>
    llvm.return %0 : !llvm.array<32 x ptr>
  }
  llvm.mlir.global internal thread_local @__attune_cache_sizes() {addr_space = 0 : i32} : !llvm.array<32 x i64> {
    %0 = llvm.mlir.zero : !llvm.array<32 x i64>
    llvm.return %0 : !llvm.array<32 x i64>
  }
  llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)

  // A block: a 64-byte header (its capacity at 0, the allocation's base at
  // 8), then the capacity, aligned to max(64, align).
  llvm.func internal @__attune_new_block(%align: i64, %bytes: i64) -> !llvm.ptr {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c63 = llvm.mlir.constant(63 : i64) : i64
    %c64 = llvm.mlir.constant(64 : i64) : i64
    %m64 = llvm.mlir.constant(-64 : i64) : i64
    %null = llvm.mlir.zero : !llvm.ptr
    %wide = llvm.icmp "ugt" %align, %c64 : i64
    %head = llvm.select %wide, %align, %c64 : i1, i64
    %r = llvm.add %bytes, %c63 : i64
    %cap = llvm.and %r, %m64 : i64
    // aligned_alloc wants a multiple of the alignment.
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %headMask = llvm.sub %head, %c1 : i64
    %notMask = llvm.sub %c0, %head : i64
    %sum = llvm.add %cap, %head : i64
    %up = llvm.add %sum, %headMask : i64
    %total = llvm.and %up, %notMask : i64
    %base = llvm.call @aligned_alloc(%head, %total) : (i64, i64) -> !llvm.ptr
    %failed = llvm.icmp "eq" %base, %null : !llvm.ptr
    llvm.cond_br %failed, ^fail, ^ok
  ^fail:
    llvm.return %null : !llvm.ptr
  ^ok:
    %user = llvm.getelementptr %base[%head] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %hdr = llvm.getelementptr %user[-64] : (!llvm.ptr) -> !llvm.ptr, i8
    llvm.store %cap, %hdr : i64, !llvm.ptr
    %basep = llvm.getelementptr %user[-56] : (!llvm.ptr) -> !llvm.ptr, i8
    llvm.store %base, %basep : !llvm.ptr, !llvm.ptr
    llvm.return %user : !llvm.ptr
  }

  // A cached block of at least `bytes` and at most twice that, or a new one.
  llvm.func internal @_mlir_memref_to_llvm_aligned_alloc(%align: i64, %bytes: i64) -> !llvm.ptr {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c32 = llvm.mlir.constant(32 : i64) : i64
    %c64 = llvm.mlir.constant(64 : i64) : i64
    %min = llvm.mlir.constant(65536 : i64) : i64
    %null = llvm.mlir.zero : !llvm.ptr
    %blocks = llvm.mlir.addressof @__attune_cache_blocks : !llvm.ptr
    %sizes = llvm.mlir.addressof @__attune_cache_sizes : !llvm.ptr
    %small = llvm.icmp "ult" %bytes, %min : i64
    %wide = llvm.icmp "ugt" %align, %c64 : i64
    %direct = llvm.or %small, %wide : i1
    %twice = llvm.shl %bytes, %c1 : i64
    llvm.cond_br %direct, ^new, ^search(%c0 : i64)
  ^search(%i: i64):
    %done = llvm.icmp "eq" %i, %c32 : i64
    llvm.cond_br %done, ^new, ^probe
  ^probe:
    %bp = llvm.getelementptr %blocks[0, %i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x ptr>
    %b = llvm.load %bp : !llvm.ptr -> !llvm.ptr
    %sp = llvm.getelementptr %sizes[0, %i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x i64>
    %s = llvm.load %sp : !llvm.ptr -> i64
    %some = llvm.icmp "ne" %b, %null : !llvm.ptr
    %fits = llvm.icmp "uge" %s, %bytes : i64
    %snug = llvm.icmp "ule" %s, %twice : i64
    %a = llvm.and %some, %fits : i1
    %take = llvm.and %a, %snug : i1
    %next = llvm.add %i, %c1 : i64
    llvm.cond_br %take, ^reuse, ^search(%next : i64)
  ^reuse:
    llvm.store %null, %bp : !llvm.ptr, !llvm.ptr
    %user = llvm.getelementptr %b[64] : (!llvm.ptr) -> !llvm.ptr, i8
    llvm.return %user : !llvm.ptr
  ^new:
    %p = llvm.call @__attune_new_block(%align, %bytes) : (i64, i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }

  llvm.func internal @_mlir_memref_to_llvm_alloc(%bytes: i64) -> !llvm.ptr {
    %c64 = llvm.mlir.constant(64 : i64) : i64
    %p = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c64, %bytes) : (i64, i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }

  // Into an empty slot, or in place of the smallest cached block when that
  // is smaller; freed otherwise (small blocks and over-aligned ones too).
  llvm.func internal @_mlir_memref_to_llvm_free(%user: !llvm.ptr) {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c32 = llvm.mlir.constant(32 : i64) : i64
    %min = llvm.mlir.constant(65536 : i64) : i64
    %max = llvm.mlir.constant(-1 : i64) : i64
    %null = llvm.mlir.zero : !llvm.ptr
    %blocks = llvm.mlir.addressof @__attune_cache_blocks : !llvm.ptr
    %sizes = llvm.mlir.addressof @__attune_cache_sizes : !llvm.ptr
    %none = llvm.icmp "eq" %user, %null : !llvm.ptr
    llvm.cond_br %none, ^done, ^header
  ^header:
    %hdr = llvm.getelementptr %user[-64] : (!llvm.ptr) -> !llvm.ptr, i8
    %cap = llvm.load %hdr : !llvm.ptr -> i64
    %basep = llvm.getelementptr %user[-56] : (!llvm.ptr) -> !llvm.ptr, i8
    %base = llvm.load %basep : !llvm.ptr -> !llvm.ptr
    %small = llvm.icmp "ult" %cap, %min : i64
    %wide = llvm.icmp "ne" %base, %hdr : !llvm.ptr
    %direct = llvm.or %small, %wide : i1
    llvm.cond_br %direct, ^release(%base : !llvm.ptr), ^scan(%c0, %c0, %max : i64, i64, i64)
  ^scan(%i: i64, %least: i64, %leastSize: i64):
    %end = llvm.icmp "eq" %i, %c32 : i64
    llvm.cond_br %end, ^evict, ^slot
  ^slot:
    %bp = llvm.getelementptr %blocks[0, %i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x ptr>
    %b = llvm.load %bp : !llvm.ptr -> !llvm.ptr
    %sp = llvm.getelementptr %sizes[0, %i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x i64>
    %empty = llvm.icmp "eq" %b, %null : !llvm.ptr
    llvm.cond_br %empty, ^keep(%bp, %sp : !llvm.ptr, !llvm.ptr), ^compare
  ^compare:
    %s = llvm.load %sp : !llvm.ptr -> i64
    %smaller = llvm.icmp "ult" %s, %leastSize : i64
    %least2 = llvm.select %smaller, %i, %least : i1, i64
    %leastSize2 = llvm.select %smaller, %s, %leastSize : i1, i64
    %next = llvm.add %i, %c1 : i64
    llvm.br ^scan(%next, %least2, %leastSize2 : i64, i64, i64)
  ^evict:
    %worth = llvm.icmp "ult" %leastSize, %cap : i64
    llvm.cond_br %worth, ^replace, ^release(%base : !llvm.ptr)
  ^replace:
    %lbp = llvm.getelementptr %blocks[0, %least] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x ptr>
    %lsp = llvm.getelementptr %sizes[0, %least] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<32 x i64>
    %old = llvm.load %lbp : !llvm.ptr -> !llvm.ptr
    llvm.call @free(%old) : (!llvm.ptr) -> ()
    llvm.br ^keep(%lbp, %lsp : !llvm.ptr, !llvm.ptr)
  ^keep(%into: !llvm.ptr, %intoSize: !llvm.ptr):
    llvm.store %hdr, %into : !llvm.ptr, !llvm.ptr
    llvm.store %cap, %intoSize : i64, !llvm.ptr
    llvm.br ^done
  ^release(%p: !llvm.ptr):
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.br ^done
  ^done:
    llvm.return
  }
)mlir";

struct BufferCachePass : public attune::impl::BufferCacheBase<BufferCachePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    ParserConfig config(&getContext());
    OwningOpRef<ModuleOp> cache =
        parseSourceString<ModuleOp>(kCacheSource, config);
    if (!cache) {
      module.emitError("attune-buffer-cache: the cache functions do not parse");
      return signalPassFailure();
    }
    // Declarations the module has already (malloc's neighbours) are kept;
    // a definition of one of the cache's own symbols is a conflict.
    Block *body = module.getBody();
    for (Operation &op : llvm::make_early_inc_range(*cache->getBody())) {
      auto symbol = cast<SymbolOpInterface>(op);
      if (Operation *existing = module.lookupSymbol(symbol.getNameAttr())) {
        auto fn = dyn_cast<LLVM::LLVMFuncOp>(existing);
        if (fn && fn.isExternal() && cast<LLVM::LLVMFuncOp>(op).isExternal())
          continue;
        existing->emitError("attune-buffer-cache: the module already has ")
            << symbol.getNameAttr();
        return signalPassFailure();
      }
      op.moveBefore(body, body->end());
    }
  }
};

} // namespace
