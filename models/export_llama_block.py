#!/usr/bin/env python3
"""Exports a Llama-style decoder block to MLIR with torch-mlir.

The block: RMSNorm, Q/K/V projections, rotary embeddings (RoPE), attention
(torch's scaled_dot_product_attention, or written out: matmul, scale, additive
mask, softmax, matmul; or sigmoid attention as FlashSigmoid writes it:
sigmoid(scale * QK^T - log L) V, no row normalization), output projection,
residual, RMSNorm and a SwiGLU MLP.
Variants: MHA (Hkv = Hq) and GQA (Hkv < Hq, K/V heads repeated), causal or
not; each through torch-mlir's linalg-on-tensors and TOSA outputs.

    python3 models/export_llama_block.py OUTDIR
    python3 models/export_llama_block.py --bench OUTDIR

Also writes dynamic-length variants (llama_<attention>_<heads>_<mask>_dynL.
<output>.mlir): the input is [1, L, 64] with L a symbol (2 <= L <= 8192), the
rotary angles computed from the positions in the forward pass (as Hugging
Face's LlamaRotaryEmbedding does) instead of a table sized to one length, and
the causal mask built from L; their PyTorch outputs for L = 1, 7 and 33 are
llama_<...>_dynL.L<L>.expected.txt. And the SDPA GQA causal block with a
symbolic batch B (L = 16): llama_sdpa_gqa_causal_dynB.linalg.mlir, its
outputs for B = 1 and 3 in llama_sdpa_gqa_causal_dynB.B<B>.expected.txt.
And the SDPA GQA causal block in bfloat16: llama_sdpa_gqa_causal_bf16.linalg.mlir
with PyTorch's bf16 output (.pytorch.txt) and a float64 reference on the same
bf16 weights and input (.reference.txt). And a decode step with a KV cache of
symbolic length P (llama_decode_gqa_dynP.linalg.mlir, see DecodeStep), its
outputs at P = 0, 5, 40 in llama_decode_gqa_dynP.P<P>.expected.txt.

The second form writes the benchmark's models instead: the SDPA GQA causal
block at sequence lengths 512, 2048 and 8192 (linalg-on-tensors only), as
llama_sdpa_gqa_causal_L<L>.linalg.mlir.

Writes OUTDIR/llama_<attention>_<heads>_<mask>.<output>.mlir, each starting
with a comment naming the versions that produced it. Weights are parameters of
the module and come out as constants; the entry takes the hidden states.
Also writes OUTDIR/llama_<...>.expected.txt: PyTorch's own output (eager, f32)
for the input x[i] = sin(0.37 i) (row-major), one value per line, which the
tests compare compiled kernels against.
"""

import copy
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch_mlir import fx

HIDDEN, HEADS, HEAD_DIM, SEQ, FFN = 64, 4, 16, 16, 128


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(dim) + 0.5)
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Block(torch.nn.Module):
    def __init__(self, kv_heads, causal, written_out, seq=None, sigmoid=False,
                 dynamic=False):
        super().__init__()
        seq = seq or SEQ
        self.seq = seq
        self.dynamic = dynamic
        self.kv_heads, self.causal, self.written_out = kv_heads, causal, written_out
        self.sigmoid = sigmoid
        self.norm1, self.norm2 = RMSNorm(HIDDEN), RMSNorm(HIDDEN)
        self.wq = torch.nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.wk = torch.nn.Linear(HIDDEN, kv_heads * HEAD_DIM, bias=False)
        self.wv = torch.nn.Linear(HIDDEN, kv_heads * HEAD_DIM, bias=False)
        self.wo = torch.nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)
        self.w1 = torch.nn.Linear(HIDDEN, FFN, bias=False)
        self.w3 = torch.nn.Linear(HIDDEN, FFN, bias=False)
        self.w2 = torch.nn.Linear(FFN, HIDDEN, bias=False)
        pos = torch.arange(seq, dtype=torch.float32)[:, None]
        freq = 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
        angles = torch.cat((pos * freq, pos * freq), dim=-1)
        self.register_buffer("cos", angles.cos())
        self.register_buffer("sin", angles.sin())
        self.register_buffer("inv_freq", freq)

    def rotary(self, l):
        """cos and sin of the rotary angles of positions 0..l-1."""
        if not self.dynamic:
            return self.cos, self.sin
        pos = torch.arange(l, dtype=torch.float32)[:, None]
        angles = pos * self.inv_freq[None, :]
        angles = torch.cat((angles, angles), dim=-1)
        return angles.cos(), angles.sin()

    def attention(self, q, k, v):
        if not self.written_out:
            return F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        scores = q @ k.transpose(-2, -1) / math.sqrt(HEAD_DIM)
        if self.causal:
            l = q.shape[2]
            mask = torch.triu(torch.full((l, l), float("-inf")), diagonal=1)
            scores = scores + mask
        if self.sigmoid:
            return torch.sigmoid(scores - math.log(self.seq)) @ v
        return torch.softmax(scores, dim=-1) @ v

    def forward(self, x):
        b, l, _ = x.shape
        h = self.norm1(x)
        q = self.wq(h).view(b, l, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.wk(h).view(b, l, self.kv_heads, HEAD_DIM).transpose(1, 2)
        v = self.wv(h).view(b, l, self.kv_heads, HEAD_DIM).transpose(1, 2)
        cos, sin = self.rotary(l)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if self.kv_heads != HEADS:
            k = k.repeat_interleave(HEADS // self.kv_heads, dim=1)
            v = v.repeat_interleave(HEADS // self.kv_heads, dim=1)
        o = self.attention(q, k, v).transpose(1, 2).reshape(b, l, HEADS * HEAD_DIM)
        x = x + self.wo(o)
        h = self.norm2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


def export_bench(outdir, versions):
    for seq in (512, 2048, 8192):
        torch.manual_seed(0)
        block = Block(HEADS // 2, True, False, seq).eval()
        x = torch.sin(0.37 * torch.arange(seq * HIDDEN, dtype=torch.float32)).reshape(1, seq, HIDDEN)
        module = fx.export_and_import(block, x, output_type="linalg-on-tensors",
                                      func_name="block")
        path = os.path.join(outdir, "llama_sdpa_gqa_causal_L%d.linalg.mlir" % seq)
        with open(path, "w") as f:
            f.write("// Exported by models/export_llama_block.py --bench (%s).\n"
                    "// Regenerate with scripts/export-models.sh; do not edit.\n" % versions)
            f.write(str(module))
        print("wrote", path)


def write_export(outdir, name, module, versions, what):
    """Writes `module` as OUTDIR/NAME.linalg.mlir under the header naming
    the versions and the export's kind (`what`)."""
    path = os.path.join(outdir, "%s.linalg.mlir" % name)
    with open(path, "w") as f:
        f.write("// Exported by models/export_llama_block.py (%s, linalg-on-tensors "
                "output, %s).\n"
                "// Regenerate with scripts/export-models.sh; do not edit.\n" % (versions, what))
        f.write(str(module))
    print("wrote", path)


DYNAMIC_LENGTHS = (1, 7, 33)
DYNAMIC_BATCHES = (1, 3)


def export_symbolic(outdir, versions, block, name, dim, sizes, what):
    """Exports `block` with its input's dim `dim` symbolic (2..max) as
    OUTDIR/NAME.linalg.mlir, and PyTorch's outputs for the input
    x[i] = sin(0.37 i) at each of `sizes` there as
    OUTDIR/NAME.<L or B><size>.expected.txt."""
    def shape(size):
        return [size if d == dim else extent for d, extent in enumerate((1, SEQ, HIDDEN))]

    for size in sizes:
        x = torch.sin(0.37 * torch.arange(math.prod(shape(size)), dtype=torch.float32))
        with torch.no_grad():
            expected = block(x.reshape(shape(size))).flatten().tolist()
        path = os.path.join(outdir, "%s.%s%d.expected.txt" % (name, "BL"[dim], size))
        with open(path, "w") as f:
            f.write("".join("%.9g\n" % v for v in expected))
    symbol = torch.export.Dim("BL"[dim], min=2, max=(64, 8192)[dim])
    traced = shape((2, SEQ)[dim])  # the example the exporter traces
    x = torch.sin(0.37 * torch.arange(math.prod(traced), dtype=torch.float32)).reshape(traced)
    module = fx.export_and_import(block, x, output_type="linalg-on-tensors",
                                  func_name="block", dynamic_shapes={"x": {dim: symbol}})
    write_export(outdir, name, module, versions, "dynamic " + what)


def export_dynamic(outdir, versions):
    """The SDPA and written-out blocks with a symbolic sequence length, and
    the SDPA GQA causal block with a symbolic batch (L = 16). (With both
    symbolic, torch-mlir 20261001 writes RMSNorm's product as [B, 1, 64]: an
    exporter error; not exported.)"""
    for written_out, kv_heads, causal in [(w, kv, c) for w in (False, True)
                                          for kv in (HEADS, HEADS // 2)
                                          for c in (True, False)]:
        torch.manual_seed(0)
        block = Block(kv_heads, causal, written_out, dynamic=True).eval()
        name = "llama_%s_%s_%s_dynL" % ("written" if written_out else "sdpa",
                                        "mha" if kv_heads == HEADS else "gqa",
                                        "causal" if causal else "full")
        export_symbolic(outdir, versions, block, name, 1, DYNAMIC_LENGTHS,
                        "sequence length")
    torch.manual_seed(0)
    block = Block(HEADS // 2, True, False).eval()
    export_symbolic(outdir, versions, block, "llama_sdpa_gqa_causal_dynB", 0,
                    DYNAMIC_BATCHES, "batch")


class DecodeStep(Block):
    """One decode step with a KV cache: x [B, 1, 64] at position P, the
    cache `past` [2, B, Hkv, P, 16] (keys, values stacked); the rotary angle
    of position P, the new key and value appended to the cache (torch.cat),
    K and V repeated over the query heads as Hugging Face's repeat_kv does
    (expand, reshape), SDPA without a mask (the query sees every key).
    Returns the block's output and the new key and value [B, Hkv, 1, 16]."""

    def forward(self, x, past):
        b, l, _ = x.shape
        past_k, past_v = past[0], past[1]
        p = past_k.shape[2]
        h = self.norm1(x)
        q = self.wq(h).view(b, l, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.wk(h).view(b, l, self.kv_heads, HEAD_DIM).transpose(1, 2)
        v = self.wv(h).view(b, l, self.kv_heads, HEAD_DIM).transpose(1, 2)
        angles = torch.arange(p, p + l, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        angles = torch.cat((angles, angles), dim=-1)
        q, k = rope(q, angles.cos(), angles.sin()), rope(k, angles.cos(), angles.sin())
        keys, values = torch.cat((past_k, k), dim=2), torch.cat((past_v, v), dim=2)
        group, s = HEADS // self.kv_heads, keys.shape[2]
        keys = keys[:, :, None].expand(b, self.kv_heads, group, s, HEAD_DIM)
        values = values[:, :, None].expand(b, self.kv_heads, group, s, HEAD_DIM)
        o = F.scaled_dot_product_attention(q, keys.reshape(b, HEADS, s, HEAD_DIM),
                                           values.reshape(b, HEADS, s, HEAD_DIM))
        o = o.transpose(1, 2).reshape(b, l, HEADS * HEAD_DIM)
        x = x + self.wo(o)
        h = self.norm2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h)), k, v


DECODE_POSITIONS = (0, 5, 40)


def export_decode(outdir, versions):
    """The GQA decode step with a cache of symbolic length P, and PyTorch's
    outputs (block output, new key, new value, in that order) for the
    inputs x[i] = sin(0.37 i) and past[i] = cos(0.11 i) at each P of
    DECODE_POSITIONS."""
    torch.manual_seed(0)
    step = DecodeStep(HEADS // 2, False, False, dynamic=True).eval()
    name = "llama_decode_gqa_dynP"
    x = torch.sin(0.37 * torch.arange(HIDDEN, dtype=torch.float32)).reshape(1, 1, HIDDEN)

    def cache(p):
        n = 2 * (HEADS // 2) * p * HEAD_DIM
        return torch.cos(0.11 * torch.arange(n, dtype=torch.float32)).reshape(
            2, 1, HEADS // 2, p, HEAD_DIM)

    for p in DECODE_POSITIONS:
        with torch.no_grad():
            outputs = step(x, cache(p))
        with open(os.path.join(outdir, "%s.P%d.expected.txt" % (name, p)), "w") as f:
            f.write("".join("%.9g\n" % v for t in outputs for v in t.flatten().tolist()))
    module = fx.export_and_import(step, x, cache(16), output_type="linalg-on-tensors",
                                  func_name="decode",
                                  dynamic_shapes={"x": None,
                                                  "past": {3: torch.export.Dim.DYNAMIC}})
    write_export(outdir, name, module, versions,
                 "a decode step over a cache of dynamic length")


def export_bf16(outdir, versions):
    """The SDPA GQA causal block in bfloat16 (weights, activations and the
    input x[i] = sin(0.37 i) rounded to bf16), with PyTorch's bf16 output
    and a float64 reference of the same bf16 weights and input: compiled
    kernels are held to FlashAttention's rule (error at most twice
    PyTorch's own bf16 error)."""
    torch.manual_seed(0)
    block = Block(HEADS // 2, True, False).eval().to(torch.bfloat16)
    x = torch.sin(0.37 * torch.arange(SEQ * HIDDEN, dtype=torch.float32))
    x = x.reshape(1, SEQ, HIDDEN).to(torch.bfloat16)
    name = "llama_sdpa_gqa_causal_bf16"
    with torch.no_grad():
        outputs = {"pytorch": block(x).float().flatten().tolist(),
                   "reference": copy.deepcopy(block).double()(x.double()).flatten().tolist()}
    for kind, values in outputs.items():
        with open(os.path.join(outdir, "%s.%s.txt" % (name, kind)), "w") as f:
            f.write("".join("%.17g\n" % v for v in values))
    module = fx.export_and_import(block, x, output_type="linalg-on-tensors",
                                  func_name="block")
    write_export(outdir, name, module, versions, "bfloat16")


def main():
    if sys.argv[1] == "--bench":
        outdir = sys.argv[2]
        os.makedirs(outdir, exist_ok=True)
        export_bench(outdir, "torch %s, torch-mlir 20261001" % torch.__version__)
        return
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    versions = "torch %s, torch-mlir %s" % (
        torch.__version__, getattr(fx, "__version__", "20261001"))
    x = torch.sin(0.37 * torch.arange(SEQ * HIDDEN, dtype=torch.float32)).reshape(1, SEQ, HIDDEN)
    variants = [(w, kv, c, False) for w in (False, True)
                for kv in (HEADS, HEADS // 2) for c in (True, False)]
    variants += [(True, HEADS, True, True), (True, HEADS // 2, False, True)]
    for written_out, kv_heads, causal, sigmoid in variants:
                torch.manual_seed(0)
                block = Block(kv_heads, causal, written_out, sigmoid=sigmoid).eval()
                kind = "sigmoid" if sigmoid else "written" if written_out else "sdpa"
                name = "llama_%s_%s_%s" % (kind,
                                           "mha" if kv_heads == HEADS else "gqa",
                                           "causal" if causal else "full")
                with torch.no_grad():
                    expected = block(x).flatten().tolist()
                with open(os.path.join(outdir, name + ".expected.txt"), "w") as f:
                    f.write("".join("%.9g\n" % v for v in expected))
                for output in ("linalg-on-tensors", "tosa"):
                    module = fx.export_and_import(block, x, output_type=output,
                                                  func_name="block")
                    suffix = "linalg" if output == "linalg-on-tensors" else "tosa"
                    path = os.path.join(outdir, "%s.%s.mlir" % (name, suffix))
                    with open(path, "w") as f:
                        f.write("// Exported by models/export_llama_block.py (%s, %s output).\n"
                                "// Regenerate with scripts/export-models.sh; do not edit.\n"
                                % (versions, output))
                        f.write(str(module))
                    print("wrote", path)
    export_dynamic(outdir, versions)
    export_bf16(outdir, versions)
    export_decode(outdir, versions)


if __name__ == "__main__":
    main()
