// RUN: rm -rf %t.dir && mkdir -p %t.dir && split-file %s %t.dir
// RUN: not attune-compile %t.dir/loose-dim.mlir -o %t.o --cpu=pentium-9000 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not attune-compile %t.dir/loose-dim.mlir -o %t.o --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attune-compile %t.dir/returns.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=RETURNS
// RUN: not attune-compile %t.dir/loose-dim.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=LOOSE
// RUN: not attune-compile %t.dir/strided.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=STRIDED
// RUN: not attune-compile %t.dir/empty.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=EMPTY

// CPU: attune-compile: unknown CPU 'pentium-9000'
// TARGET: attune-compile: unknown --target=tpu
// RETURNS: error: attune-compile: dimension 0 of result 0 ('tensor<?x1x4x16xf32>') is not provably a dimension of an argument; the caller could not size the output
// RUN: not attune-compile %t.dir/concat.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=CONCAT
// CONCAT: error: attune-compile: dimension 0 of result 0 ('tensor<?xf32>') is not provably a dimension of an argument
// LOOSE: error: attune-compile: dimension 0 of argument 3 (out3) is dynamic but is not a size of an attn.attention operand
// STRIDED: error: attune-compile: argument 3 must be a ranked tensor (input) or an identity-layout memref (output)
// EMPTY: attune-compile: no public function with a body

//--- returns.mlir
func.func @f(%q: tensor<?x1x4x16xf32>, %k: tensor<?x1x4x16xf32>, %v: tensor<?x1x4x16xf32>) -> tensor<?x1x4x16xf32> {
  %o = attn.attention(%q, %k, %v) : (tensor<?x1x4x16xf32>, tensor<?x1x4x16xf32>, tensor<?x1x4x16xf32>) -> tensor<?x1x4x16xf32>
  return %o : tensor<?x1x4x16xf32>
}

//--- concat.mlir
// The result's length is the sum of the inputs'.
func.func @f(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %r = tensor.concat dim(0) %x, %y : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

//--- loose-dim.mlir
func.func @f(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>, %x: memref<?xf32>) {
  return
}

//--- strided.mlir
func.func @f(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x16xf32>, %v: tensor<1x1x4x16xf32>, %x: memref<4xf32, strided<[2]>>) {
  return
}

//--- empty.mlir
func.func private @declared(%q: tensor<1x1x4x16xf32>)
