#!/usr/bin/env bash
# One run of CellDsl and its peers on the same configurations, then the ratio tables (markdown) on stdout.
# usage: compare.sh [--quick] [RESULTS.jsonl]   (run_peers.sh options can follow after --peers-args ...)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quick=0
out=""
peer_args=()
while (($#)); do
    case "$1" in
        --quick) quick=1 ;;
        --peers-args) shift; peer_args=("$@"); break ;;
        *) out="$1" ;;
    esac
    shift
done
out="${out:-$(mktemp --suffix=.jsonl)}"
: > "$out"

if ((quick)); then
    cells="lstm,peephole,gru-torch,cifg,mut1"; Bs="20"; Hs="200"; layers="1"; budget="0.2"
    peer_args=(--quick "${peer_args[@]}")
else
    cells="lstm,peephole,gru-torch,cifg,gru,mut1,mut2,mut3"; Bs="20,64"; Hs="200,650,1500"; layers="1,2"; budget="0.5"
fi

dotnet build "$root/tests/CellDsl.Benchmarks" -c Release -v quiet -nologo >&2
bench=(dotnet run -c Release --no-build --project "$root/tests/CellDsl.Benchmarks" --)
# The CPU facts and the GEMM kernel chosen from them (or forced by CELLDSL_GEMM): the tables' header.
"${bench[@]}" cpu >> "$out"
# CellDsl on one thread, then (on a machine with two or more cores) on two: the caller and the GEMM worker.
thread_counts="1"
if (( $(nproc) >= 2 )) && ((!quick)); then thread_counts="1 2"; fi
for t in $thread_counts; do
    if [[ $t == 1 ]]; then env=(CELLDSL_THREADS=1); else env=(CELLDSL_THREADS=2); fi
    echo "CellDsl cells, $t thread(s)..." >&2
    env "${env[@]}" "${bench[@]}" throughput "$cells" "$Bs" "$Hs" "$layers" "$budget" >> "$out"
    echo "CellDsl GEMM, $t thread(s)..." >&2
    env "${env[@]}" "${bench[@]}" gemm "$Bs" "$Hs" "$budget" >> "$out"
done
echo "peers..." >&2
bash "$here/peers/run_peers.sh" "${peer_args[@]}" >> "$out"
echo "results: $out" >&2
python3 "$here/compare.py" "$out"
