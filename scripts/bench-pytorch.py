#!/usr/bin/python3
"""PyTorch eager reference for `flatlm bench train` (issue 24): the same masked-LM transformer,
the same shapes, the same work per step (forward, backward, AdamW), one thread.

Model (as flatlm's MlmTransformer, pre-LN):
  x = LN_emb(E_tok[ids] + E_pos[0..T-1])
  blocks: nn.TransformerEncoderLayer(norm_first=True, activation="gelu" (exact erf),
          layer_norm_eps=1e-12, dropout=0): x = x + Attn(LN_a(x)); x = x + MLP(LN_m(x))
  x = LN_final(x)
  logits at the masked position only = h_mask . E_tok[4..4+V-1]^T + b   (decoder tied, as flatlm)
  loss = cross-entropy of the masked word; AdamW(beta 0.9/0.999, eps 1e-8, weight decay 0.01),
  the learning rate set every step (as flatlm's schedule).
Data: sentences of `--length` uniform words over `--words` words ([CLS] w.. [SEP], T = length + 2),
one [MASK] per sentence; drawing them is negligible beside the step (flatlm samples its HMM).

Prints one line: `pytorch PRESET PARAMS BATCH LENGTH STEPS_PER_S WORDS_PER_S WORDS_PER_CPU_S` (words per
second of wall time and of the process's CPU time over the timed steps).
Run with the Debian interpreter: `/usr/bin/python3 scripts/bench-pytorch.py --preset small`
(`apt-get install -y python3-torch libopenblas0-pthread`).
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# (d, heads, layers, d_inter), as flatlm.model.ModelConfig's presets
PRESETS = {
    "tiny": (32, 2, 1, 64),
    "small": (64, 4, 2, 256),
    "base-cpu": (128, 4, 2, 512),
    "base-cpu-4": (128, 4, 4, 512),
}
NUM_SPECIAL, CLS, SEP, MASK = 4, 1, 2, 3
EPS = 1e-12


class Mlm(nn.Module):
    def __init__(self, words, length, d, heads, layers, d_inter, last_block_at_masks=False):
        super().__init__()
        self.words = words
        self.last_block_at_masks = last_block_at_masks
        self.tok = nn.Embedding(words + NUM_SPECIAL, d)
        self.pos = nn.Embedding(length + 2, d)
        self.emb_norm = nn.LayerNorm(d, eps=EPS)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, heads, dim_feedforward=d_inter, dropout=0.0, activation="gelu",
                                       layer_norm_eps=EPS, batch_first=True, norm_first=True)
            for _ in range(layers)])
        self.final_norm = nn.LayerNorm(d, eps=EPS)
        self.head_bias = nn.Parameter(torch.zeros(words))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, rows, cols):
        t = ids.size(1)
        x = self.emb_norm(self.tok(ids) + self.pos.weight[:t])
        if not self.last_block_at_masks:
            for b in self.blocks:
                x = b(x)
            h = self.final_norm(x)[rows, cols]  # [B, d]: the masked positions
        else:  # as flatlm: the last block's keys and values everywhere, the rest at the masked positions
            for b in self.blocks[:-1]:
                x = b(x)
            b = self.blocks[-1]
            kv = b.norm1(x)
            xm = x[rows, cols].unsqueeze(1)
            xm = xm + b.self_attn(kv[rows, cols].unsqueeze(1), kv[rows], kv[rows], need_weights=False)[0]
            xm = xm + b.linear2(b.activation(b.linear1(b.norm2(xm))))
            h = self.final_norm(xm).squeeze(1)
        return F.linear(h, self.tok.weight[NUM_SPECIAL:], self.head_bias)


def batch(gen, words, length, size):
    ids = torch.empty(size, length + 2, dtype=torch.long)
    ids[:, 0] = CLS
    ids[:, -1] = SEP
    sent = torch.randint(0, words, (size, length), generator=gen)
    ids[:, 1:-1] = sent + NUM_SPECIAL
    rows = torch.arange(size)
    pos = torch.randint(0, length, (size,), generator=gen)
    targets = sent[rows, pos]
    cols = pos + 1
    ids[rows, cols] = MASK
    return ids, rows, cols, targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--words", type=int, default=200)
    ap.add_argument("--length", type=int, default=16)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--last-block-at-masks", action="store_true",
                    help="compute the last block only where the loss reads it (keys and values everywhere), as flatlm")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    model = Mlm(a.words, a.length, *PRESETS[a.preset], last_block_at_masks=a.last_block_at_masks)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    total = a.warmup + a.steps
    model.train()
    for step in range(total):
        if step == a.warmup:
            t0, c0 = time.perf_counter(), time.process_time()
        ids, rows, cols, targets = batch(gen, a.words, a.length, a.batch)
        for g in opt.param_groups:  # a schedule's cost: cosine over the run
            g["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * step / total))
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, rows, cols), targets)
        loss.backward()
        opt.step()
        if not math.isfinite(loss.item()):
            sys.exit("bench-pytorch: the loss diverged")
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    words = a.steps * a.batch * a.length
    name = "pytorch-masked-last" if a.last_block_at_masks else "pytorch"
    print(f"{name} {a.preset} {params} {a.batch} {a.length} {a.steps / sec:.2f} {words / sec:.0f} {words / cpu:.0f}")


if __name__ == "__main__":
    main()
