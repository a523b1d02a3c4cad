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

  // wgmma m64n8k16 (f16, f32 accumulators) from hand-made operands: A
  // (64 x 16, K-major core matrices 1024 bytes apart along K) is the
  // selector A[m][k] = (k == m % 16), B (8 x 16, K-major at byte 2048, core
  // matrices 128 bytes apart along K) holds B[n][k] = k + 16 n, so
  // D[m][n] = m % 16 + 16 n; thread t writes its 4 accumulators to
  // out[4 t, 4 t + 4). Threads 0-63 store A's rows, 64-71 B's. The grid's x
  // extent drops one step of the protocol: 2 the proxy fence, 3 the
  // wgmma.fence, 4 the commit and wait.
  gpu.func @wgmma(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %gx = gpu.grid_dim x
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %c72 = arith.constant 72 : index
    %c512 = arith.constant 512 : index
    %c1024 = arith.constant 1024 : index
    %one = arith.constant 1.0 : f16
    %zero = arith.constant 0.0 : f16
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1152xf16, #gpu.address_space<workgroup>>
    %is_a = arith.cmpi ult, %tid, %c64 : index
    %is_b = arith.cmpi ult, %tid, %c72 : index
    %m16 = arith.remui %tid, %c16 : index
    %mg = arith.divui %tid, %c8 : index
    %mr = arith.remui %tid, %c8 : index
    %n = arith.subi %tid, %c64 : index
    scf.for %k = %c0 to %c16 step %c1 {
      %kg = arith.divui %k, %c8 : index
      %kr = arith.remui %k, %c8 : index
      scf.if %is_a {
        // (k / 8) * 1024 + (m / 8) * 128 + (m % 8) * 16 + (k % 8) * 2 bytes
        %o0 = arith.muli %kg, %c512 : index
        %o1 = arith.muli %mg, %c64 : index
        %o2 = arith.muli %mr, %c8 : index
        %o3 = arith.addi %o0, %o1 : index
        %o4 = arith.addi %o3, %o2 : index
        %at = arith.addi %o4, %kr : index
        %diag = arith.cmpi eq, %k, %m16 : index
        %a = arith.select %diag, %one, %zero : f16
        memref.store %a, %tile[%at] : memref<1152xf16, #gpu.address_space<workgroup>>
      } else {
        scf.if %is_b {
          // 2048 + (k / 8) * 128 + n * 16 + (k % 8) * 2 bytes
          %o0 = arith.muli %kg, %c64 : index
          %o1 = arith.muli %n, %c8 : index
          %o3 = arith.addi %o0, %o1 : index
          %o4 = arith.addi %o3, %kr : index
          %at = arith.addi %o4, %c1024 : index
          %n16 = arith.muli %n, %c16 : index
          %v = arith.addi %k, %n16 : index
          %vi = arith.index_cast %v : index to i32
          %vf = arith.sitofp %vi : i32 to f16
          memref.store %vf, %tile[%at] : memref<1152xf16, #gpu.address_space<workgroup>>
        }
      }
    }
    %skip_proxy = arith.cmpi eq, %gx, %c2 : index
    scf.if %skip_proxy {
    } else {
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
    }
    gpu.barrier
    // Descriptors: address / 16 | (leading / 16) << 16 | (stride / 16) << 32.
    %base_index = memref.extract_aligned_pointer_as_index %smem : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %base = arith.index_cast %base_index : index to i64
    %window = arith.constant 262143 : i64
    %c4_i64 = arith.constant 4 : i64
    %a_bits = arith.constant 34363932672 : i64
    %b_bits = arith.constant 34360262656 : i64
    %b_at = arith.constant 2048 : i64
    %a_addr = arith.andi %base, %window : i64
    %a_field = arith.shrui %a_addr, %c4_i64 : i64
    %desc_a = arith.ori %a_field, %a_bits : i64
    %b_base = arith.addi %base, %b_at : i64
    %b_addr = arith.andi %b_base, %window : i64
    %b_field = arith.shrui %b_addr, %c4_i64 : i64
    %desc_b = arith.ori %b_field, %b_bits : i64
    %skip_fence = arith.cmpi eq, %gx, %c3 : index
    scf.if %skip_fence {
    } else {
      nvvm.wgmma.fence.aligned
    }
    %init = llvm.mlir.poison : !llvm.struct<(f32, f32, f32, f32)>
    %d = nvvm.wgmma.mma_async %desc_a, %desc_b, %init, <m = 64, n = 8, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32)>
    %skip_wait = arith.cmpi eq, %gx, %c4 : index
    scf.if %skip_wait {
    } else {
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
    }
    %t4 = arith.muli %tid, %c4 : index
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    %d1 = llvm.extractvalue %d[1] : !llvm.struct<(f32, f32, f32, f32)>
    %d2 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32)>
    %d3 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32)>
    %i1 = arith.addi %t4, %c1 : index
    %i2 = arith.addi %t4, %c2 : index
    %i3 = arith.addi %t4, %c3 : index
    memref.store %d0, %out[%t4] : memref<?xf32>
    memref.store %d1, %out[%i1] : memref<?xf32>
    memref.store %d2, %out[%i2] : memref<?xf32>
    memref.store %d3, %out[%i3] : memref<?xf32>
    gpu.return
  }

  // Named barriers, one per warpgroup of a 256-thread block: thread t
  // writes t to shared word t, waits at barrier 1 + t / 128 over 128
  // threads, and reads the word of thread (t + 64) % 128 of its warpgroup.
  // Grid x 2: the barrier over 100 threads (not whole warps); 3: the second
  // half of each warpgroup skips it (a deadlock).
  gpu.func @named(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %gx = gpu.grid_dim x
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %words = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<256xf32, #gpu.address_space<workgroup>>
    %ti = arith.index_cast %tid : index to i32
    %tf = arith.sitofp %ti : i32 to f32
    memref.store %tf, %words[%tid] : memref<256xf32, #gpu.address_space<workgroup>>
    %group = arith.divui %tid, %c128 : index
    %in_group = arith.remui %tid, %c128 : index
    %gi = arith.index_cast %group : index to i32
    %one = arith.constant 1 : i32
    %id = arith.addi %gi, %one : i32
    %is2 = arith.cmpi eq, %gx, %c2 : index
    %c100_i32 = arith.constant 100 : i32
    %c128_i32 = arith.constant 128 : i32
    %count = arith.select %is2, %c100_i32, %c128_i32 : i32
    %is3 = arith.cmpi eq, %gx, %c3 : index
    %second_half = arith.cmpi uge, %in_group, %c64 : index
    %skip = arith.andi %is3, %second_half : i1
    scf.if %skip {
    } else {
      nvvm.barrier id = %id number_of_threads = %count
    }
    %shifted = arith.addi %in_group, %c64 : index
    %wrapped = arith.remui %shifted, %c128 : index
    %base = arith.muli %group, %c128 : index
    %from = arith.addi %base, %wrapped : index
    %v = memref.load %words[%from] : memref<256xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tid] : memref<?xf32>
    gpu.return
  }

  // setmaxnreg in a 384-thread block (168 registers a thread at entry):
  // warpgroup 2 gives up registers (down to 24), warpgroups 0 and 1 take
  // them (up to 240; they wait until warpgroup 2 gave them up), then
  // out[t] = t. Grid x 2: warpgroups 0 and 1 ask for 248 (more than
  // warpgroup 2 gives up: a deadlock); 3: warpgroup 2 "decreases" to 200.
  gpu.func @registers(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %gx = gpu.grid_dim x
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c256 = arith.constant 256 : index
    %consumer = arith.cmpi ult, %tid, %c256 : index
    scf.if %consumer {
      %more = arith.cmpi eq, %gx, %c2 : index
      scf.if %more {
        nvvm.setmaxregister increase 248
      } else {
        nvvm.setmaxregister increase 240
      }
    } else {
      %c3 = arith.constant 3 : index
      %up = arith.cmpi eq, %gx, %c3 : index
      scf.if %up {
        nvvm.setmaxregister decrease 200
      } else {
        nvvm.setmaxregister decrease 24
      }
    }
    %ti = arith.index_cast %tid : index to i32
    %tf = arith.sitofp %ti : i32 to f32
    memref.store %tf, %out[%tid] : memref<?xf32>
    gpu.return
  }

  // wgmma m64n16k16 with B N-major (imm-trans-b): A as in @wgmma; B[n][k] =
  // k + 16 n for n < 16 in core matrices of 8 k-rows x 8 n, 256 bytes apart
  // along K and 128 along N, at byte 2048 (threads 64-79 store row n =
  // t - 64). D[m][n] = m % 16 + 16 n; thread t writes its 8 accumulators to
  // out[8 t, 8 t + 8).
  gpu.func @wgmma_nmajor(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %c80 = arith.constant 80 : index
    %c128 = arith.constant 128 : index
    %c512 = arith.constant 512 : index
    %c1024 = arith.constant 1024 : index
    %one = arith.constant 1.0 : f16
    %zero = arith.constant 0.0 : f16
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1280xf16, #gpu.address_space<workgroup>>
    %is_a = arith.cmpi ult, %tid, %c64 : index
    %is_b = arith.cmpi ult, %tid, %c80 : index
    %m16 = arith.remui %tid, %c16 : index
    %mg = arith.divui %tid, %c8 : index
    %mr = arith.remui %tid, %c8 : index
    %n = arith.subi %tid, %c64 : index
    %ng = arith.divui %n, %c8 : index
    %nr = arith.remui %n, %c8 : index
    scf.for %k = %c0 to %c16 step %c1 {
      %kg = arith.divui %k, %c8 : index
      %kr = arith.remui %k, %c8 : index
      scf.if %is_a {
        %o0 = arith.muli %kg, %c512 : index
        %o1 = arith.muli %mg, %c64 : index
        %o2 = arith.muli %mr, %c8 : index
        %o3 = arith.addi %o0, %o1 : index
        %o4 = arith.addi %o3, %o2 : index
        %at = arith.addi %o4, %kr : index
        %diag = arith.cmpi eq, %k, %m16 : index
        %a = arith.select %diag, %one, %zero : f16
        memref.store %a, %tile[%at] : memref<1280xf16, #gpu.address_space<workgroup>>
      } else {
        scf.if %is_b {
          // 2048 + (k / 8) * 256 + (n / 8) * 128 + (k % 8) * 16 + (n % 8) * 2
          // bytes
          %o0 = arith.muli %kg, %c128 : index
          %o1 = arith.muli %ng, %c64 : index
          %o2 = arith.muli %kr, %c8 : index
          %o3 = arith.addi %o0, %o1 : index
          %o4 = arith.addi %o3, %o2 : index
          %o5 = arith.addi %o4, %nr : index
          %at = arith.addi %o5, %c1024 : index
          %n16 = arith.muli %n, %c16 : index
          %v = arith.addi %k, %n16 : index
          %vi = arith.index_cast %v : index to i32
          %vf = arith.sitofp %vi : i32 to f16
          memref.store %vf, %tile[%at] : memref<1280xf16, #gpu.address_space<workgroup>>
        }
      }
    }
    nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
    gpu.barrier
    %base_index = memref.extract_aligned_pointer_as_index %smem : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %base = arith.index_cast %base_index : index to i64
    %window = arith.constant 262143 : i64
    %c4_i64 = arith.constant 4 : i64
    // A: (1024 / 16) << 16 | (128 / 16) << 32; B: (256 / 16) << 16 |
    // (128 / 16) << 32.
    %a_bits = arith.constant 34363932672 : i64
    %b_bits = arith.constant 34360786944 : i64
    %b_at = arith.constant 2048 : i64
    %a_addr = arith.andi %base, %window : i64
    %a_field = arith.shrui %a_addr, %c4_i64 : i64
    %desc_a = arith.ori %a_field, %a_bits : i64
    %b_base = arith.addi %base, %b_at : i64
    %b_addr = arith.andi %b_base, %window : i64
    %b_field = arith.shrui %b_addr, %c4_i64 : i64
    %desc_b = arith.ori %b_field, %b_bits : i64
    nvvm.wgmma.fence.aligned
    %init = llvm.mlir.poison : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d = nvvm.wgmma.mma_async %desc_a, %desc_b, %init, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    nvvm.wgmma.commit.group.sync.aligned
    nvvm.wgmma.wait.group.sync.aligned 0
    %t8 = arith.muli %tid, %c8 : index
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d1 = llvm.extractvalue %d[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d2 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d3 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d4 = llvm.extractvalue %d[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d5 = llvm.extractvalue %d[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d6 = llvm.extractvalue %d[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d7 = llvm.extractvalue %d[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %values = vector.from_elements %d0, %d1, %d2, %d3, %d4, %d5, %d6, %d7 : vector<8xf32>
    vector.store %values, %out[%t8] : memref<?xf32>, vector<8xf32>
    gpu.return
  }

  // wgmma m64n16k16 with A from registers (the inline PTX of
  // WgmmaRegisterA) and B N-major as in @wgmma_nmajor. Register r of lane
  // 4 g + t of warp w holds A at row 16 w + g + 8 (r % 2), columns
  // 8 (r / 2) + 2 t and + 1 (low half first), A[m][k] = (7 m + 3 k + m k)
  // mod 5 (no symmetry that a misplaced register could keep): D[m][n] =
  // sum over k of A[m][k] (k + 16 n). A grid x extent of 2 leaves out
  // wgmma.fence.
  gpu.func @wgmma_register_a(%out: memref<?xf32>) kernel {
    %tid = gpu.thread_id x
    %mode = gpu.grid_dim x
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %c80 = arith.constant 80 : index
    %c128 = arith.constant 128 : index
    %c1024 = arith.constant 1024 : index
    %one = arith.constant 1.0 : f16
    %zero = arith.constant 0.0 : f16
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1280xf16, #gpu.address_space<workgroup>>
    %is_b = arith.cmpi uge, %tid, %c64 : index
    %below = arith.cmpi ult, %tid, %c80 : index
    %stores_b = arith.andi %is_b, %below : i1
    %n = arith.subi %tid, %c64 : index
    %ng = arith.divui %n, %c8 : index
    %nr = arith.remui %n, %c8 : index
    scf.if %stores_b {
      scf.for %k = %c0 to %c16 step %c1 {
        %kg = arith.divui %k, %c8 : index
        %kr = arith.remui %k, %c8 : index
        %o0 = arith.muli %kg, %c128 : index
        %o1 = arith.muli %ng, %c64 : index
        %o2 = arith.muli %kr, %c8 : index
        %o3 = arith.addi %o0, %o1 : index
        %o4 = arith.addi %o3, %o2 : index
        %o5 = arith.addi %o4, %nr : index
        %at = arith.addi %o5, %c1024 : index
        %n16 = arith.muli %n, %c16 : index
        %v = arith.addi %k, %n16 : index
        %vi = arith.index_cast %v : index to i32
        %vf = arith.sitofp %vi : i32 to f16
        memref.store %vf, %tile[%at] : memref<1280xf16, #gpu.address_space<workgroup>>
      }
    }
    nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
    gpu.barrier
    // This thread's A registers: element e of register r holds A[m][k] for
    // m = 16 w + g + 8 (r % 2), k = 8 (r / 2) + 2 t + e.
    %lane = arith.remui %tid, %c32 : index
    %w = arith.divui %tid, %c32 : index
    %w16 = arith.muli %w, %c16 : index
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %t2 = arith.muli %t, %c2 : index
    %row_lo = arith.addi %w16, %g : index
    %row_hi = arith.addi %row_lo, %c8 : index
    %c3 = arith.constant 3 : index
    %c5 = arith.constant 5 : index
    %c7 = arith.constant 7 : index
    %c9_31 = arith.constant 9 : index
    %c8_30 = arith.constant 8 : index
    %c9_21 = arith.constant 9 : index
    %c8_20 = arith.constant 8 : index
    %c1_11 = arith.constant 1 : index
    %c0_10 = arith.constant 0 : index
    %c1_01 = arith.constant 1 : index
    %c0_00 = arith.constant 0 : index
    %k00 = arith.addi %t2, %c0_00 : index
    %m7_00 = arith.muli %row_lo, %c7 : index
    %k3_00 = arith.muli %k00, %c3 : index
    %mk_00 = arith.muli %row_lo, %k00 : index
    %s1_00 = arith.addi %m7_00, %k3_00 : index
    %s2_00 = arith.addi %s1_00, %mk_00 : index
    %f_00 = arith.remui %s2_00, %c5 : index
    %fi_00 = arith.index_cast %f_00 : index to i32
    %v00 = arith.sitofp %fi_00 : i32 to f16
    %k01 = arith.addi %t2, %c1_01 : index
    %m7_01 = arith.muli %row_lo, %c7 : index
    %k3_01 = arith.muli %k01, %c3 : index
    %mk_01 = arith.muli %row_lo, %k01 : index
    %s1_01 = arith.addi %m7_01, %k3_01 : index
    %s2_01 = arith.addi %s1_01, %mk_01 : index
    %f_01 = arith.remui %s2_01, %c5 : index
    %fi_01 = arith.index_cast %f_01 : index to i32
    %v01 = arith.sitofp %fi_01 : i32 to f16
    %k10 = arith.addi %t2, %c0_10 : index
    %m7_10 = arith.muli %row_hi, %c7 : index
    %k3_10 = arith.muli %k10, %c3 : index
    %mk_10 = arith.muli %row_hi, %k10 : index
    %s1_10 = arith.addi %m7_10, %k3_10 : index
    %s2_10 = arith.addi %s1_10, %mk_10 : index
    %f_10 = arith.remui %s2_10, %c5 : index
    %fi_10 = arith.index_cast %f_10 : index to i32
    %v10 = arith.sitofp %fi_10 : i32 to f16
    %k11 = arith.addi %t2, %c1_11 : index
    %m7_11 = arith.muli %row_hi, %c7 : index
    %k3_11 = arith.muli %k11, %c3 : index
    %mk_11 = arith.muli %row_hi, %k11 : index
    %s1_11 = arith.addi %m7_11, %k3_11 : index
    %s2_11 = arith.addi %s1_11, %mk_11 : index
    %f_11 = arith.remui %s2_11, %c5 : index
    %fi_11 = arith.index_cast %f_11 : index to i32
    %v11 = arith.sitofp %fi_11 : i32 to f16
    %k20 = arith.addi %t2, %c8_20 : index
    %m7_20 = arith.muli %row_lo, %c7 : index
    %k3_20 = arith.muli %k20, %c3 : index
    %mk_20 = arith.muli %row_lo, %k20 : index
    %s1_20 = arith.addi %m7_20, %k3_20 : index
    %s2_20 = arith.addi %s1_20, %mk_20 : index
    %f_20 = arith.remui %s2_20, %c5 : index
    %fi_20 = arith.index_cast %f_20 : index to i32
    %v20 = arith.sitofp %fi_20 : i32 to f16
    %k21 = arith.addi %t2, %c9_21 : index
    %m7_21 = arith.muli %row_lo, %c7 : index
    %k3_21 = arith.muli %k21, %c3 : index
    %mk_21 = arith.muli %row_lo, %k21 : index
    %s1_21 = arith.addi %m7_21, %k3_21 : index
    %s2_21 = arith.addi %s1_21, %mk_21 : index
    %f_21 = arith.remui %s2_21, %c5 : index
    %fi_21 = arith.index_cast %f_21 : index to i32
    %v21 = arith.sitofp %fi_21 : i32 to f16
    %k30 = arith.addi %t2, %c8_30 : index
    %m7_30 = arith.muli %row_hi, %c7 : index
    %k3_30 = arith.muli %k30, %c3 : index
    %mk_30 = arith.muli %row_hi, %k30 : index
    %s1_30 = arith.addi %m7_30, %k3_30 : index
    %s2_30 = arith.addi %s1_30, %mk_30 : index
    %f_30 = arith.remui %s2_30, %c5 : index
    %fi_30 = arith.index_cast %f_30 : index to i32
    %v30 = arith.sitofp %fi_30 : i32 to f16
    %k31 = arith.addi %t2, %c9_31 : index
    %m7_31 = arith.muli %row_hi, %c7 : index
    %k3_31 = arith.muli %k31, %c3 : index
    %mk_31 = arith.muli %row_hi, %k31 : index
    %s1_31 = arith.addi %m7_31, %k3_31 : index
    %s2_31 = arith.addi %s1_31, %mk_31 : index
    %f_31 = arith.remui %s2_31, %c5 : index
    %fi_31 = arith.index_cast %f_31 : index to i32
    %v31 = arith.sitofp %fi_31 : i32 to f16
    %p0 = vector.from_elements %v00, %v01 : vector<2xf16>
    %a0 = llvm.bitcast %p0 : vector<2xf16> to i32
    %p1 = vector.from_elements %v10, %v11 : vector<2xf16>
    %a1 = llvm.bitcast %p1 : vector<2xf16> to i32
    %p2 = vector.from_elements %v20, %v21 : vector<2xf16>
    %a2 = llvm.bitcast %p2 : vector<2xf16> to i32
    %p3 = vector.from_elements %v30, %v31 : vector<2xf16>
    %a3 = llvm.bitcast %p3 : vector<2xf16> to i32
    %base_index = memref.extract_aligned_pointer_as_index %smem : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %base = arith.index_cast %base_index : index to i64
    %window = arith.constant 262143 : i64
    %c4_i64 = arith.constant 4 : i64
    %b_bits = arith.constant 34360786944 : i64
    %b_at = arith.constant 2048 : i64
    %b_base = arith.addi %base, %b_at : i64
    %b_addr = arith.andi %b_base, %window : i64
    %b_field = arith.shrui %b_addr, %c4_i64 : i64
    %desc_b = arith.ori %b_field, %b_bits : i64
    %fenced = arith.cmpi ne, %mode, %c2 : index
    scf.if %fenced {
      nvvm.wgmma.fence.aligned
    }
    %f0 = arith.constant 0.0 : f32
    %scale_d = arith.constant 0 : i32
    %d = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.ne.b32 p, $13, 0;\0Awgmma.mma_async.sync.aligned.m64n16k16.f32.f16.f16 {$0, $1, $2, $3, $4, $5, $6, $7}, {$8, $9, $10, $11}, $12, p, 1, 1, 1;\0A}", "=f,=f,=f,=f,=f,=f,=f,=f,r,r,r,r,l,r,0,1,2,3,4,5,6,7" %a0, %a1, %a2, %a3, %desc_b, %scale_d, %f0, %f0, %f0, %f0, %f0, %f0, %f0, %f0 : (i32, i32, i32, i32, i64, i32, f32, f32, f32, f32, f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    nvvm.wgmma.commit.group.sync.aligned
    nvvm.wgmma.wait.group.sync.aligned 0
    %t8 = arith.muli %tid, %c8 : index
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d1 = llvm.extractvalue %d[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d2 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d3 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d4 = llvm.extractvalue %d[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d5 = llvm.extractvalue %d[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d6 = llvm.extractvalue %d[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %d7 = llvm.extractvalue %d[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
    %values = vector.from_elements %d0, %d1, %d2, %d3, %d4, %d5, %d6, %d7 : vector<8xf32>
    vector.store %values, %out[%t8] : memref<?xf32>, vector<8xf32>
    gpu.return
  }

  // TMA: thread 0 loads the 8 x 4 box at (8, 2) of a 16 x 5 f16 tensor (its
  // row 5 lies outside: zeros) into shared byte 0, on the mbarrier at byte
  // 1024, announcing `expect` bytes (a box is 64); then every thread waits
  // for phase 0 (or not) and copies the first 256 elements of shared memory
  // to out. Grid x is the mode: 1 correct, 2 no wait, 3 announces 32 bytes,
  // 4 announces 128 and waits, 5 announces 128 and does not wait, 6 as 1 on
  // a map whose box is 64 x 4 with the 128-byte swizzle (512 bytes).
  gpu.func @tma(%map: !llvm.ptr, %unused: !llvm.ptr, %out: memref<?xf16>) kernel attributes {attune.tensor_map_rows = 4 : i64} {
    %tid = gpu.thread_id x
    %mode = gpu.grid_dim x
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %base = memref.extract_aligned_pointer_as_index %smem : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %address = arith.index_cast %base : index to i64
    %c1024 = arith.constant 1024 : i64
    %bar_address = arith.addi %address, %c1024 : i64
    %bar = llvm.inttoptr %bar_address : i64 to !llvm.ptr<3>
    %dst = llvm.inttoptr %address : i64 to !llvm.ptr<7>
    %first = arith.cmpi eq, %tid, %c0 : index
    scf.if %first {
      %one = arith.constant 1 : i32
      nvvm.mbarrier.init %bar, %one : !llvm.ptr<3>, i32
      nvvm.fence.mbarrier.init
      %b32 = arith.constant 32 : i32
      %b64 = arith.constant 64 : i32
      %b128 = arith.constant 128 : i32
      %b512 = arith.constant 512 : i32
      %c6 = arith.constant 6 : index
      %is3 = arith.cmpi eq, %mode, %c3 : index
      %over = arith.cmpi uge, %mode, %c4 : index
      %is6 = arith.cmpi eq, %mode, %c6 : index
      %e0 = arith.select %is3, %b32, %b64 : i32
      %e1 = arith.select %over, %b128, %e0 : i32
      %expect = arith.select %is6, %b512, %e1 : i32
      nvvm.mbarrier.arrive.expect_tx %bar, %expect : !llvm.ptr<3>, i32
      %c8_i32 = arith.constant 8 : i32
      %c0_i32 = arith.constant 0 : i32
      %x = arith.select %is6, %c0_i32, %c8_i32 : i32
      %y = arith.constant 2 : i32
      nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %map, %bar, box[%x, %y] : !llvm.ptr<7>, !llvm.ptr
    }
    gpu.barrier
    %is1 = arith.cmpi eq, %mode, %c1 : index
    %is4 = arith.cmpi eq, %mode, %c4 : index
    %c6w = arith.constant 6 : index
    %is6w = arith.cmpi eq, %mode, %c6w : index
    %wait0 = arith.ori %is1, %is4 : i1
    %wait = arith.ori %wait0, %is6w : i1
    scf.if %wait {
      %parity = arith.constant 0 : i32
      %ticks = arith.constant 1000 : i32
      nvvm.mbarrier.try_wait.parity %bar, %parity, %ticks : !llvm.ptr<3>, i32, i32
    }
    %box = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<256xf16, #gpu.address_space<workgroup>>
    %c32 = arith.constant 32 : index
    %c256 = arith.constant 256 : index
    scf.for %i = %tid to %c256 step %c32 {
      %value = memref.load %box[%i] : memref<256xf16, #gpu.address_space<workgroup>>
      memref.store %value, %out[%i] : memref<?xf16>
    }
    gpu.return
  }
}
