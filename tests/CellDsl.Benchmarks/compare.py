#!/usr/bin/env python3
"""Reads the JSON lines of one benchmark run (CellDsl and its peers) and prints markdown tables of ratios
CellDsl / peer. Usage: compare.py RESULTS.jsonl [more.jsonl ...]"""
import json
import sys
from collections import defaultdict

# CellDsl cell -> the same cell in each peer (oneDNN has no CIFG, Cho GRU or MUT cells; PyTorch users write a
# custom cell as a module loop, which the peephole loop stands for).
ONEDNN = {"lstm": "lstm", "peephole": "lstm_peephole", "gru-torch": "lbr_gru"}
TORCH = {"lstm": "lstm", "gru-torch": "gru", "peephole": "peephole_loop"}
GATES = {"lstm": 4, "peephole": 4, "cifg": 3, "gru-torch": 3, "gru": 3, "mut1": 2, "mut2": 3, "mut3": 3,
         "lstm_peephole": 4, "lbr_gru": 3, "peephole_loop": 4}


def load(paths):
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    return rows


def flops(cell, layers, T, B, H):
    """Effective forward FLOPs of the GEMMs, 2·(in+H)·G·H·T·B per layer with in = H; fwd+bwd is 3x."""
    return 2 * (H + H) * GATES.get(cell, 4) * H * T * B * layers


def fmt(x):
    return "–" if x is None else f"{x:.2f}"


def main():
    rows = load(sys.argv[1:])
    rnn = defaultdict(dict)   # (cell key, layers, B, H, threads) -> peer -> row
    gemm = defaultdict(dict)  # (op, M, N, K, threads) -> peer -> gflops
    for r in rows:
        if "op" in r:
            gemm[(r["op"], r["M"], r["N"], r["K"], r["threads"])][r["peer"]] = r["gflops"]
        elif "cell" in r:
            rnn[(r["peer"], r["cell"], r["layers"], r["B"], r["H"], r["threads"])] = r

    print("### Recurrent cells: tokens/s forward / forward+backward, and ratios CellDsl / peer\n")
    print("Each row compares CellDsl and the peers at the same thread count.\n")
    print("| cell | L | B | H | thr | CellDsl | oneDNN | PyTorch | CellDsl/oneDNN | CellDsl/PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ours = sorted(k for k in rnn if k[0] == "celldsl")
    for _, cell, L, B, H, thr in ours:
        me = rnn[("celldsl", cell, L, B, H, thr)]
        d = rnn.get(("onednn", ONEDNN.get(cell), L, B, H, thr))
        t = rnn.get(("torch", TORCH.get(cell, "peephole_loop"), L, B, H, thr))
        def pair(row):
            return "–" if row is None else f"{row['fwd_tok_s']/1e3:.1f}k / {row['fwdbwd_tok_s']/1e3:.2f}k"
        def ratio(row):
            if row is None:
                return "–"
            return f"{me['fwd_tok_s']/row['fwd_tok_s']:.2f} / {me['fwdbwd_tok_s']/row['fwdbwd_tok_s']:.2f}"
        tname = "" if cell in TORCH or t is None else " (vs peephole loop)"
        print(f"| {cell} | {L} | {B} | {H} | {thr} | {pair(me)} | {pair(d)} | {pair(t)} | {ratio(d)} | {ratio(t)}{tname} |")

    print("\n### Cost per FLOP relative to CellDsl's LSTM (fwd+bwd; 1.00 = as efficient as the LSTM)\n")
    print("| cell | L | B | H | thr | GFLOP/s | vs LSTM |")
    print("|---|---|---|---|---|---|---|")
    for _, cell, L, B, H, thr in ours:
        me = rnn[("celldsl", cell, L, B, H, thr)]
        lstm = rnn.get(("celldsl", "lstm", L, B, H, thr))
        gf = 3 * flops(cell, L, 35, B, H) / (35 * B / me["fwdbwd_tok_s"]) / 1e9
        rel = None
        if lstm:
            gl = 3 * flops("lstm", L, 35, B, H) / (35 * B / lstm["fwdbwd_tok_s"]) / 1e9
            rel = gf / gl
        print(f"| {cell} | {L} | {B} | {H} | {thr} | {gf:.0f} | {fmt(rel)} |")

    if gemm:
        print("\n### SGEMM GFLOP/s and ratio CellDsl / best of OpenBLAS and BLIS\n")
        print("| op | M | N | K | thr | CellDsl | OpenBLAS | BLIS | ratio |")
        print("|---|---|---|---|---|---|---|---|---|")
        for key in sorted(gemm):
            g = gemm[key]
            if "celldsl" not in g:
                continue
            best = max([g[p] for p in ("openblas", "blis") if p in g], default=None)
            ratio = None if best is None else g["celldsl"] / best
            op, M, N, K, thr = key
            print(f"| {op} | {M} | {N} | {K} | {thr} | {g['celldsl']:.0f} | {g.get('openblas', '–')} | {g.get('blis', '–')} | {fmt(ratio)} |")


if __name__ == "__main__":
    main()
