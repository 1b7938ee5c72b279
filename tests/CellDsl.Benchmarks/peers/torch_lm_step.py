#!/usr/bin/env python3
"""PyTorch CPU peer for one whole language-model training step, the way Zaremba et al.'s model is written in
PyTorch: nn.Embedding -> nn.LSTM (L layers) -> nn.Linear -> cross_entropy -> backward -> clip_grad_norm_ -> SGD.

Each SPEC is name:layers:T:B:H:V (small is 2:20:20:200:10000, medium 2:35:20:650:10000). Tokens are random, the
hidden state is carried from one step to the next and detached, as truncated BPTT does. The loss is Zaremba's:
cross-entropy summed over the window's steps and averaged over the batch. One JSON line per SPEC.

Thread count: --threads sets torch.set_num_threads; the caller also sets OPENBLAS_NUM_THREADS (Debian's torch
calls OpenBLAS, whose pool ignores set_num_threads) and OMP_WAIT_POLICY=PASSIVE.
"""

import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_rnn import measure, openblas_kernel


class WordLm(nn.Module):
    def __init__(self, vocab, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, layers)
        self.decoder = nn.Linear(hidden, vocab)
        for p in self.parameters():
            nn.init.uniform_(p, -0.1, 0.1)

    def forward(self, tokens, state):
        out, state = self.lstm(self.embedding(tokens), state)
        return self.decoder(out), state


def step_flop(layers, steps, batch, hidden, vocab):
    """Multiply-adds x2 of the products, forward and backward (3x forward): LSTM gates, decoder."""
    tokens = steps * batch
    lstm = 2.0 * 2 * hidden * 4 * hidden * tokens * layers
    decoder = 2.0 * hidden * vocab * tokens
    return 3 * (lstm + decoder)


def parse_spec(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise argparse.ArgumentTypeError(f"'{text}': expected name:layers:T:B:H:V")
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': layers, T, B, H, V must be integers")
    if min(numbers) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}': layers, T, B, H, V must be positive")
    return (parts[0], *numbers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs", nargs="+", type=parse_spec, metavar="name:layers:T:B:H:V")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget", type=float, default=2.0, help="seconds of timed repeats")
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--clip", type=float, default=5.0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    kernel = openblas_kernel()
    env = os.environ.get

    for name, layers, steps, batch, hidden, vocab in args.specs:
        model = WordLm(vocab, hidden, layers)
        sgd = torch.optim.SGD(model.parameters(), lr=args.lr)
        inputs = torch.randint(vocab, (steps, batch))
        targets = torch.randint(vocab, (steps, batch))
        state = [None]

        def train_step():
            h = state[0]
            if h is not None:
                h = tuple(s.detach() for s in h)
            sgd.zero_grad(set_to_none=True)
            logits, state[0] = model(inputs, h)
            # Summed over steps, averaged over the batch: mean over T*B tokens times T.
            loss = F.cross_entropy(logits.view(-1, vocab), targets.view(-1)) * steps
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            sgd.step()
            return loss

        t = measure(train_step, args.budget)
        if not all(torch.isfinite(p).all() for p in model.parameters()):
            print(f"torch_lm_step: non-finite parameters for {name}", file=sys.stderr)
            return 1
        tokens = steps * batch
        flop = step_flop(layers, steps, batch, hidden, vocab)
        record = {
            "peer": "torch", "kind": "lm_step", "config": name, "layers": layers, "T": steps, "B": batch,
            "H": hidden, "V": vocab, "threads": args.threads,
            "tok_s": round(tokens / t[0], 1),
            "best_tok_s": round(tokens / t[1], 1),
            "gflops": round(flop / t[0] * 1e-9, 2),
            "reps": t[2],
            "torch": torch.__version__,
            "blas_kernel": kernel,
            "openblas_num_threads": env("OPENBLAS_NUM_THREADS"),
            "omp_wait_policy": env("OMP_WAIT_POLICY", "default"),
            "budget_s": args.budget,
        }
        print(json.dumps(record, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
