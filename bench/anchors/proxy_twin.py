"""PyTorch twin of airtune's tfjs proxy (src/training/model), the yardstick of `npm run bench`.

Same model, layer for layer (see src/training/model/forward.ts and params.ts):
  x = tok_emb[ids] + pos_emb[:T]
  per layer:  x += Wo · Attn(LN1(x))   (causal softmax attention, heads of width h/H, scale 1/sqrt(d))
              x += W2 · GELU(W1 · LN2(x) + b1) + b2      (exact erf GELU)
  logits = LN_f(x) · tok_emb^T (tied head, as the default proxy) or · head^T when untied
  loss = mean next-token cross-entropy; Adam (beta 0.9/0.999, eps 1e-8), no clipping.
Parameter names and shapes follow params.ts ([out, in] nn.Linear orientation), so weights can
be loaded from airtune's layout (`--weights`, a raw little-endian float32 file in the canonical
parameter order) to check that both compute the same losses.

It runs on one thread (torch.set_num_threads(1)) and reports tokens per CPU-second
(time.process_time), best of --reps runs of --steps steps after one warm-up step. Output: one
JSON object on stdout.
Usage: python3 proxy_twin.py --batch 8 --seq 32 [--steps 6 --reps 3] [--weights f --tokens f --lr x]
"""
import argparse
import json
import math
import os
import time

# One BLAS thread as well (torch.set_num_threads does not reach a generic BLAS such as OpenBLAS).
for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(var, '1')

import torch
import torch.nn.functional as F

# The default proxy: src/costs/presets.ts PROXY.
ARCH = dict(layers=2, hidden=64, heads=4, ffn=256, vocab=256, max_positions=128, tied=True)


class Block(torch.nn.Module):
    def __init__(self, h, f):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(h, eps=1e-5)
        self.wq = torch.nn.Linear(h, h)
        self.wk = torch.nn.Linear(h, h)
        self.wv = torch.nn.Linear(h, h)
        self.wo = torch.nn.Linear(h, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=1e-5)
        self.w1 = torch.nn.Linear(h, f)
        self.w2 = torch.nn.Linear(f, h)

    def forward(self, x, heads, mask):
        B, T, h = x.shape
        d = h // heads
        xn = self.ln1(x)
        split = lambda t: t.view(B, T, heads, d).transpose(1, 2)  # [B, H, T, d]
        q, k, v = split(self.wq(xn)), split(self.wk(xn)), split(self.wv(xn))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
        att = att.masked_fill(mask[:T, :T], float('-inf')).softmax(-1)
        ctx = (att @ v).transpose(1, 2).reshape(B, T, h)
        x = x + self.wo(ctx)
        return x + self.w2(F.gelu(self.w1(self.ln2(x))))


class Proxy(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = a
        h = a['hidden']
        self.tok_emb = torch.nn.Parameter(torch.randn(a['vocab'], h) * 0.02)
        self.pos_emb = torch.nn.Parameter(torch.randn(a['max_positions'], h) * 0.02)
        self.blocks = torch.nn.ModuleList([Block(h, a['ffn']) for _ in range(a['layers'])])
        self.ln_f = torch.nn.LayerNorm(h, eps=1e-5)
        self.head = None if a['tied'] else torch.nn.Parameter(torch.randn(a['vocab'], h) * 0.02)
        mp = a['max_positions']
        self.register_buffer('mask', torch.triu(torch.ones(mp, mp, dtype=torch.bool), diagonal=1))

    def forward(self, ids):
        B, T = ids.shape
        x = self.tok_emb[ids] + self.pos_emb[:T]
        for blk in self.blocks:
            x = blk(x, self.a['heads'], self.mask)
        x = self.ln_f(x)
        return x @ (self.tok_emb if self.head is None else self.head).t()

    def airtune_params(self):
        """(name, tensor) in params.ts canonical order."""
        out = [('tok_emb', self.tok_emb), ('pos_emb', self.pos_emb)]
        for i, b in enumerate(self.blocks):
            p = f'l{i}.'
            out += [(p + 'ln1.g', b.ln1.weight), (p + 'ln1.b', b.ln1.bias)]
            for n in 'qkvo':
                lin = getattr(b, 'w' + n)
                out += [(p + 'attn.w' + n, lin.weight), (p + 'attn.b' + n, lin.bias)]
            out += [(p + 'ln2.g', b.ln2.weight), (p + 'ln2.b', b.ln2.bias)]
            out += [(p + 'mlp.w1', b.w1.weight), (p + 'mlp.b1', b.w1.bias)]
            out += [(p + 'mlp.w2', b.w2.weight), (p + 'mlp.b2', b.w2.bias)]
        out += [('ln_f.g', self.ln_f.weight), ('ln_f.b', self.ln_f.bias)]
        if self.head is not None:
            out.append(('head', self.head))
        return out


def load_weights(model, path):
    flat = torch.from_numpy(__import__('numpy').fromfile(path, dtype='<f4'))
    at = 0
    with torch.no_grad():
        for _, t in model.airtune_params():
            n = t.numel()
            t.copy_(flat[at:at + n].view_as(t))
            at += n
    if at != flat.numel():
        raise SystemExit(f'weights file has {flat.numel()} values, the model {at}')


def blas_library():
    """The BLAS shared library this process loaded (reference BLAS makes the twin several times slower)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        return ', '.join(sorted(os.path.realpath(p) for p in libs)) or 'none found'
    except OSError:
        return 'unknown'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=32)
    ap.add_argument('--steps', type=int, default=6)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--weights', help='float32 weights in airtune canonical order (loss check)')
    ap.add_argument('--tokens', help='int32 tokens, steps x batch x (seq+1) (loss check)')
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    B, T = args.batch, args.seq
    model = Proxy(ARCH)
    if args.weights:
        load_weights(model, args.weights)
    if args.tokens:
        rows = torch.from_numpy(__import__('numpy').fromfile(args.tokens, dtype='<i4').astype('int64'))
        rows = rows.view(-1, B, T + 1)
    else:
        rows = torch.randint(0, ARCH['vocab'], (args.steps, B, T + 1))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)

    def step(r):
        logits = model(r[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, ARCH['vocab']), r[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    if args.weights:
        # Loss check: the losses of consecutive steps from the given weights, nothing timed.
        print(json.dumps({'losses': [step(rows[s]) for s in range(rows.shape[0])]}))
        return
    step(rows[0])  # warm-up
    best = math.inf
    for _ in range(args.reps):
        c0 = time.process_time()
        for s in range(args.steps):
            step(rows[s % rows.shape[0]])
        best = min(best, time.process_time() - c0)
    tokens = args.steps * B * T
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_library(),
        'batch': B,
        'seq': T,
        'tokensPerCpuSecond': tokens / best,
    }))


if __name__ == '__main__':
    main()
