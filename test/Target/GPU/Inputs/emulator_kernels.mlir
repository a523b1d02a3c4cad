// Kernels that exercise the CUDA emulator's checks (emulator.test).
gpu.module @kernels {
  // A barrier only half the block reaches.
  gpu.func @deadlock(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %c64 = arith.constant 64 : index
    %half = arith.cmpi ult, %tid, %c64 : index
    scf.if %half {
      gpu.barrier
    }
    gpu.return
  }

  // Even lanes shuffle while odd lanes load matrices.
  gpu.func @diverge(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %odd = arith.remui %tid, %c2 : index
    %is_odd = arith.cmpi eq, %odd, %c1 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32x8xf16, #gpu.address_space<workgroup>>
    %r = scf.if %is_odd -> f32 {
      %m = nvgpu.ldmatrix %tile[%tid, %c0] {numTiles = 4 : i32, transpose = false} : memref<32x8xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
      %e = vector.extract %m[0, 0] : f16 from vector<4x2xf16>
      %f = arith.extf %e : f16 to f32
      scf.yield %f : f32
    } else {
      %x = arith.constant 1.0 : f32
      %c1_i32 = arith.constant 1 : i32
      %c32_i32 = arith.constant 32 : i32
      %s, %ok = gpu.shuffle xor %x, %c1_i32, %c32_i32 : f32
      scf.yield %s : f32
    }
    memref.store %r, %out[%tid] : memref<?xf32>
    gpu.return
  }

  // Thread t writes byte `size + t` of dynamic shared memory.
  gpu.func @overflow(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %c0 = arith.constant 0 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %size = memref.dim %smem, %c0 : memref<?xi8, #gpu.address_space<workgroup>>
    %at = arith.addi %size, %tid : index
    %v = arith.constant 7 : i8
    memref.store %v, %smem[%at] : memref<?xi8, #gpu.address_space<workgroup>>
    gpu.return
  }

  // out[t] = shared row t before cp.async's wait (not landed yet: 0xff
  // bytes, NaN), out[32 + t] after it (src[8 t]).
  gpu.func @copy(%src: memref<?xf16>, %out: memref<?xf16>) kernel {
    %tid = gpu.thread_id x
    %c0 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32x8xf16, #gpu.address_space<workgroup>>
    %from = arith.muli %tid, %c8 : index
    %t = nvgpu.device_async_copy %src[%from], %tile[%tid, %c0], 8 : memref<?xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
    %g = nvgpu.device_async_create_group %t
    %before = memref.load %tile[%tid, %c0] : memref<32x8xf16, #gpu.address_space<workgroup>>
    memref.store %before, %out[%tid] : memref<?xf16>
    nvgpu.device_async_wait %g {numGroups = 0 : i32}
    %after = memref.load %tile[%tid, %c0] : memref<32x8xf16, #gpu.address_space<workgroup>>
    %at = arith.addi %tid, %c32 : index
    memref.store %after, %out[%at] : memref<?xf16>
    gpu.return
  }

  // out[linear thread + block size * linear block] = 1000 * (block id x + 10 y)
  // + thread id x + 10 y + 100 z.
  gpu.func @ids(%out: memref<?xf32>) kernel {
    %tx = gpu.thread_id x
    %ty = gpu.thread_id y
    %tz = gpu.thread_id z
    %bx = gpu.block_id x
    %by = gpu.block_id y
    %dx = gpu.block_dim x
    %dy = gpu.block_dim y
    %dz = gpu.block_dim z
    %gx = gpu.grid_dim x
    %c10 = arith.constant 10 : index
    %c100 = arith.constant 100 : index
    %c1000 = arith.constant 1000 : index
    %y10 = arith.muli %ty, %c10 : index
    %z100 = arith.muli %tz, %c100 : index
    %t0 = arith.addi %tx, %y10 : index
    %t = arith.addi %t0, %z100 : index
    %by10 = arith.muli %by, %c10 : index
    %b = arith.addi %bx, %by10 : index
    %b1000 = arith.muli %b, %c1000 : index
    %value = arith.addi %b1000, %t : index
    %dxy = arith.muli %dx, %dy : index
    %threads = arith.muli %dxy, %dz : index
    %ly = arith.muli %ty, %dx : index
    %lz = arith.muli %tz, %dxy : index
    %l0 = arith.addi %tx, %ly : index
    %lt = arith.addi %l0, %lz : index
    %lby = arith.muli %by, %gx : index
    %lb = arith.addi %bx, %lby : index
    %base = arith.muli %lb, %threads : index
    %at = arith.addi %base, %lt : index
    %i = arith.index_cast %value : index to i64
    %f = arith.sitofp %i : i64 to f32
    memref.store %f, %out[%at] : memref<?xf32>
    gpu.return
  }
}
