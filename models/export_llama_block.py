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
bf16 weights and input (.reference.txt).

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
    path = os.path.join(outdir, "%s.linalg.mlir" % name)
    with open(path, "w") as f:
        f.write("// Exported by models/export_llama_block.py (%s, linalg-on-tensors "
                "output, dynamic %s).\n"
                "// Regenerate with scripts/export-models.sh; do not edit.\n" % (versions, what))
        f.write(str(module))
    print("wrote", path)


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
    path = os.path.join(outdir, "%s.linalg.mlir" % name)
    with open(path, "w") as f:
        f.write("// Exported by models/export_llama_block.py (%s, linalg-on-tensors "
                "output, bfloat16).\n"
                "// Regenerate with scripts/export-models.sh; do not edit.\n" % versions)
        f.write(str(module))
    print("wrote", path)


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


if __name__ == "__main__":
    main()
