// RUN: attune-opt %s --convert-attn-to-cpu=openmp-threads=true | FileCheck %s
// RUN: attune-opt %s --convert-attn-to-cpu | FileCheck %s --check-prefix=NOOMP
// RUN: attune-opt %s --convert-attn-to-cpu=kv-splits=3 | FileCheck %s --check-prefix=FIXED

// Split-KV chunk count C at run time, for U = batch x KV groups units and T
// threads: the largest C in {2, 4, 8} with U * C <= 2 T and Lk >= 4096 C,
// else 1.
// CHECK:     func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func @mqa_decode
// CHECK:     %[[U:.*]] = arith.muli %[[B:.*]], %c1{{.*}} : index
// CHECK:     %[[T32:.*]] = func.call @omp_get_max_threads() : () -> i32
// CHECK:     %[[T:.*]] = arith.index_cast %[[T32]] : i32 to index
// CHECK:     %[[T1:.*]] = arith.maxsi %[[T]], %{{.*}} : index
// CHECK:     %[[BUDGET:.*]] = arith.muli %[[T1]], %c2{{.*}} : index
// CHECK:     %[[LONG2:.*]] = arith.cmpi uge, %[[LK:.*]], %c8192 : index
// CHECK:     %[[W2:.*]] = arith.muli %[[U]], %c2{{.*}} : index
// CHECK:     %[[FIT2:.*]] = arith.cmpi ule, %[[W2]], %[[BUDGET]] : index
// CHECK:     %[[OK2:.*]] = arith.andi %[[LONG2]], %[[FIT2]] : i1
// CHECK:     %[[C2:.*]] = arith.select %[[OK2]], %c2{{.*}}, %c1{{.*}} : index
// CHECK:     arith.cmpi uge, %[[LK]], %c16384 : index
// CHECK:     %[[C4:.*]] = arith.select %{{.*}}, %c4{{.*}}, %[[C2]] : index
// CHECK:     arith.cmpi uge, %[[LK]], %c32768 : index
// CHECK:     %[[C8:.*]] = arith.select %{{.*}}, %c8{{.*}}, %[[C4]] : index
// CHECK:     %[[SPLIT:.*]] = arith.cmpi ugt, %[[C8]], %c1{{.*}} : index
// CHECK:     scf.if %[[SPLIT]]
// CHECK:       scf.parallel {{.*}} to (%[[B]], %c1{{.*}}, %[[C8]])

// Without OpenMP there is one thread (T = 1): no query of the runtime.
// NOOMP-NOT: omp_get_max_threads
// NOOMP:     arith.cmpi uge, %{{.*}}, %c8192 : index

// A fixed count takes no decision at all.
// FIXED-NOT: omp_get_max_threads
// FIXED-NOT: %c8192
// FIXED:     scf.parallel {{.*}} to (%{{.*}}, %c1{{.*}}, %c3{{.*}})
func.func @mqa_decode(%q: tensor<?x8x1x128xf32>, %k: tensor<?x1x?x128xf32>, %v: tensor<?x1x?x128xf32>) -> tensor<?x8x1x128xf32> {
  %o = attn.attention(%q, %k, %v) : (tensor<?x8x1x128xf32>, tensor<?x1x?x128xf32>, tensor<?x1x?x128xf32>) -> tensor<?x8x1x128xf32>
  return %o : tensor<?x8x1x128xf32>
}
