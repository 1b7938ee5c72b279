#!/usr/bin/env python3
"""Reads the JSON lines of one benchmark run (CellDsl and its peers) and prints markdown tables of ratios
CellDsl / peer. Usage: compare.py RESULTS.jsonl [more.jsonl ...]"""
import json
import sys
from collections import defaultdict

import machine

# CellDsl cell -> the same cell in each peer. oneDNN has no CIFG, Cho GRU or MUT cells. PyTorch has only nn.LSTM and
# nn.GRU; every other cell is the same equations written as a module with a Python loop, as a PyTorch user would.
ONEDNN = {"lstm": "lstm", "peephole": "lstm_peephole", "gru-torch": "lbr_gru"}
TORCH = {"lstm": "lstm", "gru-torch": "gru", "peephole": "peephole_loop", "cifg": "cifg_loop", "gru": "gru_loop",
         "mut1": "mut1_loop", "mut2": "mut2_loop", "mut3": "mut3_loop"}
GATES = {"lstm": 4, "peephole": 4, "cifg": 3, "gru-torch": 3, "gru": 3, "mut1": 2, "mut2": 3, "mut3": 3,
         "lstm_peephole": 4, "lbr_gru": 3, "peephole_loop": 4, "cifg_loop": 3, "gru_loop": 3, "mut1_loop": 2,
         "mut2_loop": 3, "mut3_loop": 3}


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


def percent(gf, roof):
    return "–" if not roof else f"{100 * gf / roof:.0f}%"


def gflops_fwdbwd(row):
    """Effective GFLOP/s of a forward+backward row (GEMM FLOPs only)."""
    return 3 * flops(row["cell"], row["layers"], row["T"], row["B"], row["H"]) * row["fwdbwd_tok_s"] / (row["T"] * row["B"]) / 1e9


def torch_peer(rnn, cell, L, B, H, thr):
    """(PyTorch row for this cell and configuration, whether it is the peephole loop standing in for the cell's own
    loop). Results from before the per-cell loops existed have only the peephole loop."""
    row = rnn.get(("torch", TORCH.get(cell), L, B, H, thr))
    if row is not None or cell in ("lstm", "gru-torch", "peephole"):
        return row, False
    row = rnn.get(("torch", "peephole_loop", L, B, H, thr))
    return row, row is not None


def spread(values):
    """min–max (median), or – when empty."""
    if not values:
        return "–"
    v = sorted(values)
    return f"{v[0]:.2f}–{v[-1]:.2f} (median {v[len(v) // 2]:.2f}, {len(v)} configurations)"


def targets(rnn, gemm, peak):
    """One line per target of the speed work, from this run's rows."""
    print("### Against the targets\n")
    ours = [k for k in rnn if k[0] == "celldsl"]
    thread_counts = sorted({k[5] for k in ours})
    for thr in thread_counts:
        mine = [k for k in ours if k[5] == thr]
        print(f"**{thr} thread(s)**\n")
        for cell in ("lstm", "peephole", "gru-torch"):
            ratios = []
            for _, c, L, B, H, _ in mine:
                d = rnn.get(("onednn", ONEDNN[cell], L, B, H, thr)) if c == cell else None
                if d:
                    ratios.append(rnn[("celldsl", c, L, B, H, thr)]["fwdbwd_tok_s"] / d["fwdbwd_tok_s"])
            below = sum(r < 1.0 for r in ratios)
            print(f"- {cell} fwd+bwd / oneDNN (target >= 1.0): {spread(ratios)}; below 1.0 in {below}")
        rel, vs_loop, roof, stand_ins = [], [], [], set()
        for _, c, L, B, H, _ in mine:
            if c in ONEDNN:
                continue
            me = rnn[("celldsl", c, L, B, H, thr)]
            lstm = rnn.get(("celldsl", "lstm", L, B, H, thr))
            if lstm:
                rel.append(gflops_fwdbwd(me) / gflops_fwdbwd(lstm))
            loop, stand_in = torch_peer(rnn, c, L, B, H, thr)
            if loop:
                vs_loop.append(me["fwdbwd_tok_s"] / loop["fwdbwd_tok_s"])
                if stand_in:
                    stand_ins.add(c)
                if peak.get(thr):
                    # Tokens/s at 100% of the FMA peak: no implementation of this cell can beat the loop by more.
                    best = peak[thr] * 1e9 / (3 * flops(c, L, 1, 1, H))
                    roof.append(best / loop["fwdbwd_tok_s"])
        print(f"- cells oneDNN lacks, GFLOP/s vs CellDsl's LSTM (target >= 0.90): {spread(rel)}")
        note = f"; {', '.join(sorted(stand_ins))} vs the peephole loop (own loop not measured)" if stand_ins else ""
        print(f"- cells oneDNN lacks, fwd+bwd / PyTorch module loop (target >= 5): {spread(vs_loop)}{note}")
        if peak.get(thr):
            print(f"- cells oneDNN lacks, roof bound on that ratio (100% of FMA peak / loop): {spread(roof)}")
        if peak.get(thr):
            big = [gflops_fwdbwd(rnn[k]) / peak[thr] for k in mine if k[4] >= 650 and k[1] in ONEDNN]
            print(f"- LSTM, peephole, GRU fwd+bwd at H >= 650, fraction of the FMA peak (target >= 0.75): {spread(big)}")
        g = []
        for (op, M, N, K, t), row in gemm.items():
            best = max([row[p] for p in ("openblas", "blis") if p in row], default=None)
            if t == thr and "celldsl" in row and best:
                g.append(row["celldsl"] / best)
        print(f"- SGEMM / best of OpenBLAS and BLIS (target >= 0.9): {spread(g)}\n")


def main():
    rows = load(sys.argv[1:])
    rnn = defaultdict(dict)   # (cell key, layers, B, H, threads) -> peer -> row
    gemm = defaultdict(dict)  # (op, M, N, K, threads) -> peer -> gflops
    peak = machine.roof(rows)  # threads -> FMA roof, GFLOP/s (all threads together, the faster vector width)
    for r in rows:
        if r.get("peer") in ("fma_peak", "celldsl_cpu"):
            continue
        if "op" in r:
            gemm[(r["op"], r["M"], r["N"], r["K"], r["threads"])][r["peer"]] = r["gflops"]
        elif "cell" in r:
            rnn[(r["peer"], r["cell"], r["layers"], r["B"], r["H"], r["threads"])] = r

    for line in machine.header(rows):
        print(line + "\n")
    targets(rnn, gemm, peak)

    print("### Recurrent cells: tokens/s forward / forward+backward, and ratios CellDsl / peer\n")
    print("Each row compares CellDsl and the peers at the same thread count.\n")
    print("| cell | L | B | H | thr | CellDsl | oneDNN | PyTorch | CellDsl/oneDNN | CellDsl/PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ours = sorted(k for k in rnn if k[0] == "celldsl")
    for _, cell, L, B, H, thr in ours:
        me = rnn[("celldsl", cell, L, B, H, thr)]
        d = rnn.get(("onednn", ONEDNN.get(cell), L, B, H, thr))
        t, stand_in = torch_peer(rnn, cell, L, B, H, thr)
        def pair(row):
            return "–" if row is None else f"{row['fwd_tok_s']/1e3:.1f}k / {row['fwdbwd_tok_s']/1e3:.2f}k"
        def ratio(row):
            if row is None:
                return "–"
            return f"{me['fwd_tok_s']/row['fwd_tok_s']:.2f} / {me['fwdbwd_tok_s']/row['fwdbwd_tok_s']:.2f}"
        tname = " (vs peephole loop)" if stand_in else ""
        print(f"| {cell} | {L} | {B} | {H} | {thr} | {pair(me)} | {pair(d)} | {pair(t)} | {ratio(d)} | {ratio(t)}{tname} |")

    print("\n### Cost per FLOP relative to CellDsl's LSTM (fwd+bwd; 1.00 = as efficient as the LSTM)\n")
    print("| cell | L | B | H | thr | GFLOP/s | % of FMA peak | vs LSTM |")
    print("|---|---|---|---|---|---|---|---|")
    for _, cell, L, B, H, thr in ours:
        me = rnn[("celldsl", cell, L, B, H, thr)]
        lstm = rnn.get(("celldsl", "lstm", L, B, H, thr))
        gf = gflops_fwdbwd(me)
        rel = None if lstm is None else gf / gflops_fwdbwd(lstm)
        print(f"| {cell} | {L} | {B} | {H} | {thr} | {gf:.0f} | {percent(gf, peak.get(thr))} | {fmt(rel)} |")

    if gemm:
        print("\n### SGEMM GFLOP/s and ratio CellDsl / best of OpenBLAS and BLIS\n")
        print("| op | M | N | K | thr | CellDsl | % of FMA peak | OpenBLAS | BLIS | ratio |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for key in sorted(gemm):
            g = gemm[key]
            if "celldsl" not in g:
                continue
            best = max([g[p] for p in ("openblas", "blis") if p in g], default=None)
            ratio = None if best is None else g["celldsl"] / best
            op, M, N, K, thr = key
            print(f"| {op} | {M} | {N} | {K} | {thr} | {g['celldsl']:.0f} | {percent(g['celldsl'], peak.get(thr))} | {g.get('openblas', '–')} | {g.get('blis', '–')} | {fmt(ratio)} |")


if __name__ == "__main__":
    main()
