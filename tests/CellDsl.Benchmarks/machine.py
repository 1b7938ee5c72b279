"""The lines every benchmark table starts with: the CPU, the GEMM kernel CellDsl ran, and the FMA roofs measured in
the same run at each vector width, so a run on another machine can be set beside this one."""

WIDTH_NAMES = {512: "zmm", 256: "ymm"}


def roofs(rows):
    """threads -> {vector width: GFLOP/s of all threads together} from the fma_peak lines. Lines written before the
    driver measured both widths carry only their ISA."""
    by_threads = {}
    for r in rows:
        if r.get("peer") == "fma_peak":
            width = r.get("width", 512 if r.get("isa") == "avx512" else 256)
            by_threads.setdefault(r["threads"], {})[width] = r["gflops"]
    return by_threads


def roof(rows):
    """threads -> the FMA roof: the faster width."""
    return {t: max(w.values()) for t, w in roofs(rows).items()}


def size(n):
    return f"{n >> 20} MiB" if n % (1 << 20) == 0 else f"{n >> 10} KiB"


def header(rows):
    """Markdown lines: the machine and kernel (from `celldsl_cpu`), then the roofs per thread count and width."""
    lines = []
    cpu = next((r for r in rows if r.get("peer") == "celldsl_cpu"), None)
    if cpu:
        width = ""
        if cpu["isa"] == "avx512":
            width = ", 512-bit FMAs " + ("at full width" if cpu["full_width_512"] else "double-pumped") + " (by CellDsl's table)"
        lines.append(f"CPU: {cpu['model_name']} ({cpu['vendor']}, family {cpu['family']}, model {cpu['model']}); "
                     f"{cpu['isa']}, {cpu['vector_registers']} vector registers{width}; "
                     f"L1d {size(cpu['l1d_bytes'])} ({cpu['l1d_source']}), L2 {size(cpu['l2_bytes'])} ({cpu['l2_source']}) per core.")
        how = "forced by CELLDSL_GEMM" if cpu["gemm_forced"] else "chosen from the CPU"
        lines.append(f"GEMM kernel: {cpu['gemm']} ({cpu['tile_rows']}×{cpu['tile_columns']} tile of {cpu['vector_bits']}-bit vectors; "
                     f"KC {cpu['kc']}, NB {cpu['nb']}, MB {cpu['mb']}, prepacked NB {cpu['prepacked_nb']}), {how}.")
    measured = roofs(rows)
    if measured:
        parts = []
        for t in sorted(measured):
            widths = ", ".join(f"{WIDTH_NAMES.get(w, w)} {g:.0f}" for w, g in sorted(measured[t].items(), reverse=True))
            parts.append(f"{t} thread(s) {widths}")
        lines.append("FMA roof measured in this run, GFLOP/s of all threads together: " + "; ".join(parts) + ".")
    return lines
