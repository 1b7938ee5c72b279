#!/usr/bin/env python3
"""PyTorch CPU peer: what a PyTorch user gets for the recurrent cells CellDsl generates.

Each SPEC is cell:layers:T:B:H with cell one of
  lstm           nn.LSTM
  gru            nn.GRU (linear-before-reset: r scales U_n h + b_hn)
  peephole_loop  the peephole LSTM (oneDNN's lstm_peephole)
  cifg_loop      CIFG: the peephole LSTM with a coupled input gate, i = 1 - f
  gru_loop       the GRU of Cho et al.: r scales h before U_n
  mut1_loop, mut2_loop, mut3_loop   Jozefowicz et al.'s MUT1-3
The *_loop cells compute CellDsl's cells of the same name (less _loop), each written as a
module with a Python loop over T, the way a user writes a custom cell: the input projection
is one GEMM over all T*B rows before the loop ("hoisted"), or per step with --per-step-proj;
per step, one addmm per distinct recurrent operand (h, r*h, tanh(h)) plus the gate math.
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


class LoopLayer(nn.Module):
    """One layer of a custom cell the way a PyTorch user writes it: a module with a Python loop
    over T. A cell gives project(x), the terms that depend on the input only (by default one
    F.linear for all gates that read x), and step(terms, state) -> state, h first. With hoisted, project runs
    once over all T*B rows before the loop; otherwise once per step. Input size = hidden size."""

    states = 1  # h; 2 for cells with a memory cell c

    def __init__(self, hidden_size, hoisted):
        super().__init__()
        self.hidden_size = hidden_size
        self.hoisted = hoisted

    def project(self, x):
        """The default: one projection of x for all gates, bias included (w_ih, bias)."""
        return (F.linear(x, self.w_ih, self.bias),)

    def param(self, *shape):
        bound = 1.0 / math.sqrt(self.hidden_size)
        return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

    def forward(self, x):
        steps, batch, _ = x.shape
        state = tuple(x.new_zeros(batch, self.hidden_size) for _ in range(self.states))
        # unbind, not x[t]: indexing's backward fills a zero tensor of the whole sequence per
        # step, which made the backward ~2.5x slower at T=35.
        if self.hoisted:
            terms = list(zip(*(term.unbind(0) for term in self.project(x))))
        else:
            x_steps = x.unbind(0)
        outputs = []
        for t in range(steps):
            state = self.step(terms[t] if self.hoisted else self.project(x_steps[t]), state)
            outputs.append(state[0])
        return torch.stack(outputs)


class PeepholeLSTMLayer(LoopLayer):
    """i = s(Wx + Uh + b + p_i*c), f = s(... + p_f*c), c' = f*c + i*tanh(...),
    o = s(... + p_o*c'), h' = o*tanh(c'): the peephole form oneDNN's lstm_forward uses."""

    states = 2

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(4 * H, H)
        self.w_hh = self.param(4 * H, H)
        self.bias = self.param(4 * H)
        self.p_i = self.param(H)
        self.p_f = self.param(H)
        self.p_o = self.param(H)

    def step(self, terms, state):
        (x_proj,), (h, c) = terms, state
        i, f, g, o = torch.addmm(x_proj, h, self.w_hh.t()).chunk(4, 1)
        i = torch.sigmoid(i + self.p_i * c)
        f = torch.sigmoid(f + self.p_f * c)
        c = f * c + i * torch.tanh(g)
        o = torch.sigmoid(o + self.p_o * c)
        return o * torch.tanh(c), c


class CifgLayer(LoopLayer):
    """CIFG: f = s(Wx + Uh + p_f*c + b), i = 1 - f, z = tanh(Wx + Uh + b), c' = z*i + c*f,
    o = s(Wx + Uh + p_o*c' + b), h' = tanh(c')*o."""

    states = 2

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(3 * H, H)  # f, z, o
        self.w_hh = self.param(3 * H, H)
        self.bias = self.param(3 * H)
        self.p_f = self.param(H)
        self.p_o = self.param(H)

    def step(self, terms, state):
        (x_proj,), (h, c) = terms, state
        f, z, o = torch.addmm(x_proj, h, self.w_hh.t()).chunk(3, 1)
        f = torch.sigmoid(f + self.p_f * c)
        c = torch.tanh(z) * (1 - f) + c * f
        o = torch.sigmoid(o + self.p_o * c)
        return torch.tanh(c) * o, c


class GruLayer(LoopLayer):
    """The GRU of Cho et al.: r = s(Wx + Uh + b), z = s(Wx + Uh + b), n = tanh(Wx + U(r*h) + b),
    h' = z*h + (1-z)*n. The reset gate acts before U_n, so U_n is a GEMM of its own per step."""

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(3 * H, H)  # r, z, n
        self.w_hh = self.param(2 * H, H)  # r, z
        self.w_hn = self.param(H, H)
        self.bias = self.param(3 * H)

    def project(self, x):
        H = self.hidden_size
        return F.linear(x, self.w_ih, self.bias).split([2 * H, H], -1)

    def step(self, terms, state):
        (x_rz, x_n), (h,) = terms, state
        r, z = torch.sigmoid(torch.addmm(x_rz, h, self.w_hh.t())).chunk(2, 1)
        n = torch.tanh(torch.addmm(x_n, r * h, self.w_hn.t()))
        return (z * h + (1 - z) * n,)


class Mut1Layer(LoopLayer):
    """MUT1: z = s(Wx + b), r = s(Wx + Uh + b), h' = tanh(U(r*h) + tanh(x) + b)*z + h*(1-z).
    z reads only x, so it is computed with the input projection."""

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(2 * H, H)  # z, r
        self.w_hr = self.param(H, H)
        self.w_hn = self.param(H, H)
        self.bias = self.param(2 * H)
        self.b_n = self.param(H)

    def project(self, x):
        x_z, x_r = F.linear(x, self.w_ih, self.bias).chunk(2, -1)
        return torch.sigmoid(x_z), x_r, torch.tanh(x) + self.b_n

    def step(self, terms, state):
        (z, x_r, x_n), (h,) = terms, state
        r = torch.sigmoid(torch.addmm(x_r, h, self.w_hr.t()))
        n = torch.tanh(torch.addmm(x_n, r * h, self.w_hn.t()))
        return (n * z + h * (1 - z),)


class Mut2Layer(LoopLayer):
    """MUT2: z = s(Wx + Uh + b), r = s(x + Uh + b), h' = tanh(U(r*h) + Wx + b)*z + h*(1-z)."""

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(2 * H, H)  # z, n
        self.w_hh = self.param(2 * H, H)  # z, r
        self.w_hn = self.param(H, H)
        self.bias = self.param(2 * H)     # z, n
        self.b_r = self.param(H)

    def project(self, x):
        x_z, x_n = F.linear(x, self.w_ih, self.bias).chunk(2, -1)
        # r's input term is x itself; joined to z's so one addmm per step serves both gates.
        return torch.cat([x_z, x + self.b_r], -1), x_n

    def step(self, terms, state):
        (x_zr, x_n), (h,) = terms, state
        z, r = torch.sigmoid(torch.addmm(x_zr, h, self.w_hh.t())).chunk(2, 1)
        n = torch.tanh(torch.addmm(x_n, r * h, self.w_hn.t()))
        return (n * z + h * (1 - z),)


class Mut3Layer(LoopLayer):
    """MUT3: z = s(Wx + U tanh(h) + b), r = s(Wx + Uh + b), h' = tanh(U(r*h) + Wx + b)*z + h*(1-z).
    The three recurrent products read tanh(h), h and r*h: three GEMMs per step."""

    def __init__(self, hidden_size, hoisted):
        super().__init__(hidden_size, hoisted)
        H = hidden_size
        self.w_ih = self.param(3 * H, H)  # z, r, n
        self.w_hz = self.param(H, H)
        self.w_hr = self.param(H, H)
        self.w_hn = self.param(H, H)
        self.bias = self.param(3 * H)

    def project(self, x):
        return F.linear(x, self.w_ih, self.bias).chunk(3, -1)

    def step(self, terms, state):
        (x_z, x_r, x_n), (h,) = terms, state
        z = torch.sigmoid(torch.addmm(x_z, torch.tanh(h), self.w_hz.t()))
        r = torch.sigmoid(torch.addmm(x_r, h, self.w_hr.t()))
        n = torch.tanh(torch.addmm(x_n, r * h, self.w_hn.t()))
        return (n * z + h * (1 - z),)


LOOPS = {
    "peephole_loop": PeepholeLSTMLayer,
    "cifg_loop": CifgLayer,
    "gru_loop": GruLayer,
    "mut1_loop": Mut1Layer,
    "mut2_loop": Mut2Layer,
    "mut3_loop": Mut3Layer,
}
CELLS = ("lstm", "gru", *LOOPS)
# G of the FLOP count, the same as compare.py's GATES so GFLOP/s compare with CellDsl's.
GATES = {"lstm": 4, "gru": 3, "peephole_loop": 4, "cifg_loop": 3, "gru_loop": 3,
         "mut1_loop": 2, "mut2_loop": 3, "mut3_loop": 3}


class LoopStack(nn.Module):
    def __init__(self, layer, hidden_size, layers, hoisted):
        super().__init__()
        self.layers = nn.ModuleList(layer(hidden_size, hoisted) for _ in range(layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def build(cell, layers, hidden, hoisted):
    if cell in LOOPS:
        net = LoopStack(LOOPS[cell], hidden, layers, hoisted)
        return net, net
    net = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](hidden, hidden, num_layers=layers)
    return net, lambda x: net(x)[0]


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
    if len(parts) != 5 or parts[0] not in CELLS:
        raise argparse.ArgumentTypeError(
            f"'{text}': expected cell:layers:T:B:H with cell one of {', '.join(CELLS)}")
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
                    help="*_loop cells: project the input inside the loop, one GEMM per step")
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
        fwd_flop = 2.0 * (hidden + hidden) * GATES[cell] * hidden * tokens * layers
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
            "input_proj": ("builtin" if cell not in LOOPS
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
