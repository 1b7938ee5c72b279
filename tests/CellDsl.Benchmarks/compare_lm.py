#!/usr/bin/env python3
"""Reads the JSON lines of compare_lm.sh (CellDsl's train-step mode, torch_lm_step.py, fma_peak) and prints the
whole-training-step table: tokens/s, GFLOP/s, % of the FMA roof measured in the same run, and CellDsl / PyTorch."""

import json
import sys

import machine

SHAPES = {"small": (2, 20, 20, 200, 10000), "medium": (2, 35, 20, 650, 10000)}


def step_flop_per_token(layers, steps, batch, hidden, vocab):
    """Forward and backward (3x forward) products per token: the LSTM gates and the decoder (as torch_lm_step.py)."""
    lstm = 2.0 * 2 * hidden * 4 * hidden * layers
    decoder = 2.0 * hidden * vocab
    return 3 * (lstm + decoder)


def main(path):
    mine, torch, rows = {}, {}, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            rows.append(r)
            if r.get("kind") == "train-step":
                mine[(r["shape"], r["threads"])] = r["tokens_per_s"]
            elif r.get("kind") == "lm_step":
                torch[(r["config"], r["threads"])] = r["tok_s"]
    peak = machine.roof(rows)
    for line in machine.header(rows):
        print(line + "\n")
    print("| shape | threads | CellDsl tokens/s | GFLOP/s | % of roof | PyTorch tokens/s | % of roof | CellDsl / PyTorch | roof bound on the ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for shape in SHAPES:
        flop = step_flop_per_token(*SHAPES[shape])
        for thr in (1, 2):
            c, t = mine.get((shape, thr)), torch.get((shape, thr))
            if c is None and t is None:
                continue
            roof = peak.get(thr)
            def pct(tok):
                return f"{100 * tok * flop / (roof * 1e9):.0f}%" if tok and roof else "–"
            ratio = f"{c / t:.2f}" if c and t else "–"
            bound = f"{roof * 1e9 / flop / t:.2f}" if roof and t else "–"
            print(f"| {shape} | {thr} | {c or '–'} | {(c or 0) * flop * 1e-9:.0f} | {pct(c)} | {t or '–'} | {pct(t)} | {ratio} | {bound} |")
    # Debian's torch calls whatever libblas.so.3 the alternatives system points at: without OpenBLAS installed that is
    # the reference BLAS, some 30 times slower, and the ratio would measure that rather than PyTorch.
    if any(r.get("kind") == "lm_step" and not r.get("blas_kernel") for r in rows):
        print("\n**PyTorch did not run on OpenBLAS** (no OpenBLAS kernel was loaded: torch's libblas.so.3 is the reference BLAS). "
              "Install `libopenblas-dev` (peers/README.md) and run again; the PyTorch columns above are not a fair peer.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
