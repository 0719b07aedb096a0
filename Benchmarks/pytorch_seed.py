"""PyTorch reference timing for the seed configuration (never part of `make test`).

Runs the seed's BiLSTM-attention recipe (B=32, T=500, 3500 training + 750 validation series per
epoch, Adam 1e-3, BCE-with-logits) with the model of ../shared/reference/models.py, on the CPU with
the given thread count, and prints seconds per epoch. Usage:
    python3 -m venv .torch-venv && .torch-venv/bin/pip install torch numpy
    .torch-venv/bin/python Benchmarks/pytorch_seed.py --epochs 2 --threads 2
"""
import argparse, math, sys, time
import numpy as np
import torch
import torch.nn as nn


class BiLSTMAttention(nn.Module):
    def __init__(self, C=1, H=32, A=64):
        super().__init__()
        self.lstm = nn.LSTM(C, H, batch_first=True, bidirectional=True)
        self.attention = nn.Sequential(nn.Linear(2 * H, A), nn.Tanh(), nn.Linear(A, 1))
        self.classifier = nn.Sequential(nn.Linear(2 * H, 1))

    def forward(self, x):
        h, _ = self.lstm(x)
        alpha = torch.softmax(self.attention(h).squeeze(-1), dim=1)
        return self.classifier((alpha.unsqueeze(-1) * h).sum(1)).squeeze(-1), alpha


def seed_data(n, T, rng):
    t = np.arange(T) / T
    x = np.zeros((n, T), np.float32); y = np.zeros(n, np.float32)
    for i in range(n):
        x[i] = rng.uniform(1, 10) * np.sin(2 * np.pi * rng.uniform(1, 4) * t)
        if i % 2:
            s = int(rng.uniform(0, 0.9) * T); L = int(rng.uniform(0.1, 0.5) * T)
            x[i, s:s + L] = x[i, s]; y[i] = 1
    return torch.from_numpy(x).unsqueeze(-1), torch.from_numpy(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--recipe", action="store_true",
                   help="the whole seed recipe: early stopping (patience 5) on validation loss, best epoch restored, test metrics")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    xtr, ytr = seed_data(3500, 500, rng)
    xva, yva = seed_data(750, 500, rng)
    xte, yte = seed_data(750, 500, rng)
    best, best_state, since = float("inf"), None, 0
    model = BiLSTMAttention()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(len(xtr))
        for b in range(0, len(xtr), 32):
            idx = perm[b:b + 32]
            opt.zero_grad()
            logits, _ = model(xtr[idx])
            loss = loss_fn(logits, ytr[idx]); loss.backward(); opt.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xva[b:b + 32])[0] for b in range(0, 750, 32)])
            val = loss_fn(logits, yva).item()
            accuracy = ((logits > 0).float() == yva).float().mean().item()
        print(f"pytorch epoch {epoch + 1}: {time.perf_counter() - start:.2f} s (val loss {val:.4f}, val accuracy {accuracy:.3f}, "
              f"torch {torch.__version__}, {args.threads} threads)", flush=True)
        if args.recipe:
            if val < best:
                best, since = val, 0
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                since += 1
                if since >= 5:
                    break
    if args.recipe:
        model.load_state_dict(best_state)
        model.eval()
        with torch.no_grad():
            scores = torch.sigmoid(torch.cat([model(xte[b:b + 32])[0] for b in range(0, 750, 32)])).numpy()
        labels = yte.numpy()
        order = np.argsort(scores, kind="mergesort")
        ranks = np.empty(len(scores)); ranks[order] = np.arange(1, len(scores) + 1)
        for value in np.unique(scores):  # average ranks for ties
            tied = scores == value
            ranks[tied] = ranks[tied].mean()
        positives = labels == 1
        auc = (ranks[positives].sum() - positives.sum() * (positives.sum() + 1) / 2) / (positives.sum() * (~positives).sum())
        print(f"pytorch recipe seed {args.seed}: test accuracy {((scores >= 0.5) == positives).mean():.4f}, ROC-AUC {auc:.4f}", flush=True)


if __name__ == "__main__":
    main()
