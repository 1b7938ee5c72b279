#!/usr/bin/env bash
# One run of the whole language-model training step, CellDsl and PyTorch, at Zaremba's small and medium shapes on
# 1 and 2 threads, with the FMA roof measured in the same run; the table (markdown) goes to stdout.
# usage: compare_lm.sh [--budget SECONDS] [RESULTS.jsonl]       (needs python3-torch, libopenblas-dev, gcc: see README)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
budget=5
out=""
while (($#)); do
    case "$1" in
        --budget) shift; budget="$1" ;;
        *) out="$1" ;;
    esac
    shift
done
out="${out:-$(mktemp --suffix=.jsonl)}"
: > "$out"
python="${PYTHON:-/usr/bin/python3}"

dotnet build "$root/tests/CellDsl.Benchmarks" -c Release -v quiet -nologo >&2
dotnet run -c Release --no-build --project "$root/tests/CellDsl.Benchmarks" -- cpu >> "$out"
bash "$here/peers/run_peers.sh" --peers peak --threads 1,2 >> "$out"
for t in 1 2; do
    echo "CellDsl training step, $t thread(s)..." >&2
    CELLDSL_THREADS=$t dotnet run -c Release --no-build --project "$root/tests/CellDsl.Benchmarks" -- train-step small,medium "$budget" >> "$out"
    echo "PyTorch training step, $t thread(s)..." >&2
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE \
        "$python" "$here/peers/torch_lm_step.py" --threads "$t" --budget "$budget" \
        small:2:20:20:200:10000 medium:2:35:20:650:10000 >> "$out"
done
echo "results: $out" >&2
python3 "$here/compare_lm.py" "$out"
