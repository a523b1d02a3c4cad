#!/usr/bin/env python3
"""Calls the kernel attune-compile emitted from examples/gqa_causal.mlir as a
shared library, through ctypes (standard library only), and checks it against
a float64 attention written here.

    attune-compile examples/gqa_causal.mlir --shared -o libgqa_causal.so \
        --header gqa_causal.h
    python3 examples/python/gqa_causal.py ./libgqa_causal.so [batch q_len kv_len]
"""
import array
import ctypes
import math
import random
import struct
import sys

HQ, HKV, D = 8, 2, 64
OK, ERR_NULL_POINTER, ERR_BAD_SIZE = 0, 1, 2  # the header's status codes


def to_bf16(x):
    """float -> bf16 bits, round to nearest even."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits += 0x7FFF + ((bits >> 16) & 1)
    return (bits >> 16) & 0xFFFF


def from_bf16(h):
    return struct.unpack("<f", struct.pack("<I", h << 16))[0]


def main():
    lib = ctypes.CDLL(sys.argv[1])
    batch, q_len, kv_len = (int(a) for a in sys.argv[2:5]) if len(sys.argv) > 4 else (1, 19, 29)
    kernel = lib.gqa_causal
    u16p, f32p = ctypes.POINTER(ctypes.c_uint16), ctypes.POINTER(ctypes.c_float)
    kernel.argtypes = [u16p, u16p, u16p, u16p, f32p] + [ctypes.c_int64] * 3
    kernel.restype = ctypes.c_int32

    rng = random.Random(11)
    def tensor(n):
        return array.array("H", (to_bf16(rng.uniform(-1, 1)) for _ in range(n)))
    q = tensor(batch * HQ * q_len * D)
    k = tensor(batch * HKV * kv_len * D)
    v = tensor(batch * HKV * kv_len * D)
    out = array.array("H", [0xFFFF] * (batch * HQ * q_len * D))  # NaN poison
    lse = array.array("f", [math.nan] * (batch * HQ * q_len))

    def ptr(buf, kind):
        return ctypes.cast(buf.buffer_info()[0], kind)
    args = [ptr(q, u16p), ptr(k, u16p), ptr(v, u16p), ptr(out, u16p), ptr(lse, f32p)]

    bad_null = kernel(args[0], None, args[2], args[3], args[4], batch, q_len, kv_len)
    bad_size = kernel(*args, batch, q_len, -5)
    if bad_null != ERR_NULL_POINTER or bad_size != ERR_BAD_SIZE or any(x != 0xFFFF for x in out):
        print(f"FAIL: bad arguments gave {bad_null}, {bad_size}")
        return 1
    status = kernel(*args, batch, q_len, kv_len)
    if status != OK:
        print(f"FAIL: status {status}")
        return 1

    scale, max_err, max_lse_err = 1 / math.sqrt(D), 0.0, 0.0
    for b in range(batch):
        for h in range(HQ):
            kv = h // (HQ // HKV)
            for i in range(q_len):
                qi = [from_bf16(x) for x in q[((b * HQ + h) * q_len + i) * D:][:D]]
                visible = range(min(kv_len, i + kv_len - q_len + 1))
                s = []
                for j in visible:
                    base = ((b * HKV + kv) * kv_len + j) * D
                    s.append(scale * sum(a * from_bf16(x) for a, x in zip(qi, k[base:base + D])))
                m = max(s, default=-math.inf)
                l = sum(math.exp(x - m) for x in s)
                for d in range(D):
                    o = sum(math.exp(x - m) / l * from_bf16(v[((b * HKV + kv) * kv_len + j) * D + d])
                            for x, j in zip(s, visible)) if s else 0.0
                    got = from_bf16(out[((b * HQ + h) * q_len + i) * D + d])
                    max_err = max(max_err, abs(got - o) if got == got else math.inf)
                ref_lse = m + math.log(l) if s else -math.inf
                got_lse = lse[(b * HQ + h) * q_len + i]
                max_lse_err = max(max_lse_err, 0.0 if got_lse == ref_lse else abs(got_lse - ref_lse))
    ok = max_err <= 4e-3 and max_lse_err <= 1e-4
    print(f"gqa_causal B={batch} Lq={q_len} Lk={kv_len}: max_err={max_err:.3e} "
          f"lse_err={max_lse_err:.3e} {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
