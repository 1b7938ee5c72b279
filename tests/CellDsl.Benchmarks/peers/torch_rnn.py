#!/usr/bin/env python3
"""PyTorch CPU peer: what a PyTorch user gets for the recurrent cells CellDsl generates.

Each SPEC is cell:layers:T:B:H with cell one of
  lstm           nn.LSTM
  gru            nn.GRU
  peephole_loop  a peephole LSTM written as a module with a Python loop over T, the way a
                 user writes a custom cell; the input projection is one GEMM over all T*B
                 rows before the loop ("hoisted"), or per step with --per-step-proj.
Input size = hidden size = H, zero initial state. Forward is timed under no_grad; forward+
backward uses loss = sum of the last layer's outputs with the input requiring grad (so dX is
computed too). Prints one JSON line per SPEC.

Thread count: --threads sets torch.set_num_threads. Debian's torch calls OpenBLAS, whose
thread pool ignores that call, so the caller must also set OPENBLAS_NUM_THREADS (and
OMP_WAIT_POLICY=PASSIVE, or OpenMP and OpenBLAS threads spin against each other).
"""

import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PeepholeLSTMLayer(nn.Module):
    """i = s(Wx + Uh + b + p_i*c), f = s(... + p_f*c), c' = f*c + i*tanh(...),
    o = s(... + p_o*c'), h' = o*tanh(c'): the peephole form oneDNN's lstm_forward uses."""

    def __init__(self, input_size, hidden_size, hoisted):
        super().__init__()
        self.hidden_size = hidden_size
        self.hoisted = hoisted
        bound = 1.0 / math.sqrt(hidden_size)
        u = lambda *shape: nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))
        self.w_ih = u(4 * hidden_size, input_size)
        self.w_hh = u(4 * hidden_size, hidden_size)
        self.bias = u(4 * hidden_size)
        self.p_i = u(hidden_size)
        self.p_f = u(hidden_size)
        self.p_o = u(hidden_size)

    def forward(self, x):
        steps, batch, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        c = x.new_zeros(batch, self.hidden_size)
        # unbind, not x[t]: indexing's backward fills a zero tensor of the whole sequence per
        # step, which made the backward ~2.5x slower at T=35.
        if self.hoisted:
            x_proj = F.linear(x, self.w_ih, self.bias).unbind(0)
        else:
            x_steps = x.unbind(0)
        outputs = []
        for t in range(steps):
            if self.hoisted:
                gates = torch.addmm(x_proj[t], h, self.w_hh.t())
            else:
                gates = F.linear(x_steps[t], self.w_ih, self.bias) + F.linear(h, self.w_hh)
            i, f, g, o = gates.chunk(4, 1)
            i = torch.sigmoid(i + self.p_i * c)
            f = torch.sigmoid(f + self.p_f * c)
            c = f * c + i * torch.tanh(g)
            o = torch.sigmoid(o + self.p_o * c)
            h = o * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs)


class PeepholeLSTM(nn.Module):
    def __init__(self, hidden_size, layers, hoisted):
        super().__init__()
        self.layers = nn.ModuleList(
            PeepholeLSTMLayer(hidden_size, hidden_size, hoisted) for _ in range(layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def build(cell, layers, hidden, hoisted):
    if cell == "lstm":
        net = nn.LSTM(hidden, hidden, num_layers=layers)
        return net, lambda x: net(x)[0]
    if cell == "gru":
        net = nn.GRU(hidden, hidden, num_layers=layers)
        return net, lambda x: net(x)[0]
    net = PeepholeLSTM(hidden, layers, hoisted)
    return net, net


def measure(step, budget):
    """Warm-up (one call, then until a fifth of the budget), then repeat until the budget is
    spent with at least 3 samples; returns (median, best, count)."""
    w0 = time.perf_counter()
    step()
    while time.perf_counter() - w0 < 0.2 * budget:
        step()
    samples = []
    m0 = time.perf_counter()
    while len(samples) < 3 or time.perf_counter() - m0 < budget:
        t0 = time.perf_counter()
        step()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), min(samples), len(samples)


def openblas_kernel():
    """The OpenBLAS kernel torch's BLAS calls run on, read from the library already loaded."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def parse_spec(text):
    parts = text.split(":")
    if len(parts) != 5 or parts[0] not in ("lstm", "gru", "peephole_loop"):
        raise argparse.ArgumentTypeError(
            f"'{text}': expected cell:layers:T:B:H with cell lstm, gru or peephole_loop")
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': layers, T, B, H must be integers")
    if min(numbers) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}': layers, T, B, H must be positive")
    return (parts[0], *numbers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs", nargs="+", type=parse_spec, metavar="cell:layers:T:B:H")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget", type=float, default=0.5, help="seconds of timed repeats per pass")
    ap.add_argument("--per-step-proj", action="store_true",
                    help="peephole_loop: project the input inside the loop, one GEMM per step")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    kernel = openblas_kernel()
    env = os.environ.get

    for cell, layers, steps, batch, hidden in args.specs:
        net, run = build(cell, layers, hidden, hoisted=not args.per_step_proj)
        x = torch.rand(steps, batch, hidden) * 2 - 1
        x_grad = x.clone().requires_grad_()

        def forward():
            with torch.no_grad():
                run(x)

        def forward_backward():
            net.zero_grad(set_to_none=True)
            x_grad.grad = None
            run(x_grad).sum().backward()

        fwd = measure(forward, args.budget)
        fwdbwd = measure(forward_backward, args.budget)
        if not all(torch.isfinite(p.grad).all() for p in net.parameters()):
            print(f"torch_rnn: non-finite gradients for {cell}", file=sys.stderr)
            return 1

        tokens = steps * batch
        gates = 3 if cell == "gru" else 4
        fwd_flop = 2.0 * (hidden + hidden) * gates * hidden * tokens * layers
        record = {
            "peer": "torch", "cell": cell, "layers": layers, "T": steps, "B": batch, "H": hidden,
            "threads": args.threads,
            "fwd_tok_s": round(tokens / fwd[0], 1),
            "fwdbwd_tok_s": round(tokens / fwdbwd[0], 1),
            "fwd_gflops": round(fwd_flop / fwd[0] * 1e-9, 2),
            "fwdbwd_gflops": round(3 * fwd_flop / fwdbwd[0] * 1e-9, 2),
            "fwd_best_tok_s": round(tokens / fwd[1], 1),
            "fwdbwd_best_tok_s": round(tokens / fwdbwd[1], 1),
            "fwd_reps": fwd[2], "fwdbwd_reps": fwdbwd[2],
            "input_proj": ("builtin" if cell != "peephole_loop"
                           else "per_step" if args.per_step_proj else "hoisted"),
            "torch": torch.__version__,
            "blas_kernel": kernel,
            "openblas_coretype": env("OPENBLAS_CORETYPE"),
            "openblas_l2_size": env("OPENBLAS_L2_SIZE"),
            "openblas_num_threads": env("OPENBLAS_NUM_THREADS"),
            "omp_wait_policy": env("OMP_WAIT_POLICY", "default"),
            "budget_s": args.budget,
        }
        print(json.dumps(record, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
