#!/usr/bin/env bash
# Builds the peer drivers (oneDNN, OpenBLAS, BLIS, PyTorch) and runs them over a list of
# configurations, writing one JSON line per measurement. See README.md in this folder.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    cat <<'EOF'
usage: run_peers.sh [options] [OUT_FILE]

Writes JSON lines to OUT_FILE (truncated first) or, without it, to stdout. Progress and the
kernels each library picked go to stderr.

  --quick            one small configuration per peer: T=35 B=20 H=200, 1 layer, 1 thread,
                     0.2 s budget (seconds in total); options given explicitly still apply
  --peers LIST       subset of onednn,torch,openblas,blis,peak (default: all; peak is the
                     FMA roof the GFLOP/s are compared with)
  --T N              sequence length (default 35)
  --B LIST           batch sizes (default 20,64)
  --H LIST           hidden = input sizes (default 200,650,1500)
  --layers LIST      layer counts for onednn and torch (default 1,2)
  --threads LIST     thread counts (default 1,2)
  --budget S         seconds of timed repeats per pass and configuration (default 0.5)
  --big              also run layers > 1 at H >= 1500 (skipped by default: slow)
  --openblas-asis    also run OpenBLAS and torch with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
                     as found in the environment (default: only with both unset)
  --omp-wait POLICY  OMP_WAIT_POLICY for oneDNN and BLIS (default PASSIVE; torch always
                     runs PASSIVE)
  --build-dir DIR    where the drivers are built (default: $TMPDIR or /tmp, celldsl-peers-UID)
  -h, --help         this text

Environment: PYTHON selects the interpreter for torch (default /usr/bin/python3, Debian's
python3-torch).
EOF
}

die() {
    echo "run_peers.sh: $*" >&2
    exit 1
}

peers="onednn,torch,openblas,blis,peak"
T=35 Bs="20,64" Hs="200,650,1500" layers="1,2" threads="1,2" budget=0.5
big=0 asis=0 quick=0 omp_wait=PASSIVE out=""
build_dir="${TMPDIR:-/tmp}/celldsl-peers-$(id -u)"
declare -A given=()

while (($#)); do
    case "$1" in
        --quick) quick=1 ;;
        --big) big=1 ;;
        --openblas-asis) asis=1 ;;
        -h | --help) usage; exit 0 ;;
        --peers | --T | --B | --H | --layers | --threads | --budget | --omp-wait | --build-dir)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --peers) peers="$2" ;;
                --T) T="$2" ;;
                --B) Bs="$2" ;;
                --H) Hs="$2" ;;
                --layers) layers="$2" ;;
                --threads) threads="$2" ;;
                --budget) budget="$2" ;;
                --omp-wait) omp_wait="$2" ;;
                --build-dir) build_dir="$2" ;;
            esac
            given["$1"]=1
            shift
            ;;
        -*) usage >&2; die "unknown option $1" ;;
        *)
            [[ -z "$out" ]] || die "only one output file"
            out="$1"
            ;;
    esac
    shift
done

if ((quick)); then
    [[ -n "${given[--B]:-}" ]] || Bs=20
    [[ -n "${given[--H]:-}" ]] || Hs=200
    [[ -n "${given[--layers]:-}" ]] || layers=1
    [[ -n "${given[--threads]:-}" ]] || threads=1
    [[ -n "${given[--budget]:-}" ]] || budget=0.2
fi

check_list() { [[ "$2" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "$1 takes a comma-separated list of positive integers, got '$2'"; }
check_list --B "$Bs"
check_list --H "$Hs"
check_list --layers "$layers"
check_list --threads "$threads"
[[ "$T" =~ ^[1-9][0-9]*$ ]] || die "--T takes a positive integer, got '$T'"
[[ "$budget" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--budget takes a number of seconds, got '$budget'"
[[ "$peers" =~ ^(onednn|torch|openblas|blis|peak)(,(onednn|torch|openblas|blis|peak))*$ ]] ||
    die "--peers takes a comma-separated subset of onednn,torch,openblas,blis,peak, got '$peers'"
[[ "$omp_wait" =~ ^(ACTIVE|PASSIVE|active|passive)$ ]] || die "--omp-wait takes ACTIVE or PASSIVE, got '$omp_wait'"
wants() { [[ ",$peers," == *",$1,"* ]]; }
IFS=, read -ra B_list <<<"$Bs"
IFS=, read -ra H_list <<<"$Hs"
IFS=, read -ra L_list <<<"$layers"
IFS=, read -ra thread_list <<<"$threads"

# ---- toolchain and libraries -------------------------------------------------------------

need_cmd() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: install the Debian package $2 (apt-get install $2)"; }
multiarch="x86_64-linux-gnu"
if wants onednn || wants openblas || wants blis || wants peak; then
    need_cmd gcc gcc
    multiarch="$(gcc -print-multiarch 2>/dev/null)"
    [[ -n "$multiarch" ]] || multiarch="x86_64-linux-gnu"
fi
libroot="/usr/lib/$multiarch"
incroot="/usr/include/$multiarch"

# Debian installs each threading variant of OpenBLAS and BLIS in its own folder; link one
# explicitly (with an rpath) so the update-alternatives choice cannot swap the library.
find_variant() { # header variant... -> prints the first variant folder with header and library
    local header="$1" v
    shift
    for v in "$@"; do
        if [[ -e "$libroot/$v/lib${v%%-*}.so" && -e "$incroot/$v/$header" ]]; then
            echo "$v"
            return 0
        fi
    done
    return 1
}

if wants onednn; then
    need_cmd g++ g++
    [[ -e /usr/include/oneapi/dnnl/dnnl.hpp ]] || die "oneDNN headers missing: install the Debian package libdnnl-dev"
fi
if wants openblas; then
    # pthread first: it is the variant Debian's libblas.so.3 (and so torch) resolves to by default.
    openblas_variant="$(find_variant cblas.h openblas-pthread openblas-openmp openblas-serial)" ||
        die "OpenBLAS development files missing: install the Debian package libopenblas-dev (libopenblas-pthread-dev)"
fi
if wants blis; then
    # OpenMP first: threads driven by OMP_NUM_THREADS, like oneDNN.
    blis_variant="$(find_variant blis.h blis-openmp blis-pthread blis-serial)" ||
        die "BLIS development files missing: install the Debian package libblis-dev (libblis-openmp-dev)"
fi
python="${PYTHON:-/usr/bin/python3}"
if wants torch; then
    [[ -x "$python" ]] || die "$python not found: install the Debian package python3"
    "$python" -c 'import torch' 2>/dev/null || die "$python cannot import torch: install the Debian package python3-torch"
fi

# ---- build ---------------------------------------------------------------------------------

mkdir -p "$build_dir" || die "cannot create build folder $build_dir"
build() { # executable source compiler-and-flags... -- link-flags...
    local exe="$build_dir/$1" src="$here/$2" cc=() ld=()
    shift 2
    while (($#)) && [[ "$1" != -- ]]; do cc+=("$1"); shift; done
    (($#)) && shift
    ld=("$@")
    if [[ ! -x "$exe" || "$src" -nt "$exe" || "${BASH_SOURCE[0]}" -nt "$exe" ]]; then
        echo "run_peers.sh: building $exe" >&2
        "${cc[@]}" -o "$exe" "$src" "${ld[@]}" || die "build of $exe failed"
    fi
}
if wants peak; then
    build fma_peak fma_peak.c gcc -O3 -march=native -std=gnu11 -fopenmp -Wall
fi
if wants onednn; then
    build dnnl_rnn dnnl_rnn.cpp g++ -O3 -march=native -std=c++17 -fopenmp -Wall -- -ldnnl
fi
if wants openblas; then
    d="$openblas_variant"
    build sgemm_openblas sgemm_bench.c gcc -O3 -march=native -std=c11 -Wall -DPEER_OPENBLAS \
        -isystem "$incroot/$d" -- -L"$libroot/$d" -Wl,-rpath,"$libroot/$d" -lopenblas -lm
fi
if wants blis; then
    d="$blis_variant"
    build sgemm_blis sgemm_bench.c gcc -O3 -march=native -std=c11 -Wall -DPEER_BLIS \
        -isystem "$incroot/$d" -- -L"$libroot/$d" -Wl,-rpath,"$libroot/$d" -lblis -lm
fi

# ---- run -----------------------------------------------------------------------------------

if [[ -n "$out" ]]; then
    : >"$out" || die "cannot write $out"
    exec 3>>"$out"
else
    exec 3>&1
fi

echo "run_peers.sh: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-<unset>} in this environment; OpenBLAS and torch run with both unset$( ((asis)) && echo ' and as found')" >&2

failures=0
# run_peer TAG EXTRA_JSON command...: keeps the driver's JSON lines, appending EXTRA_JSON
# (fields the driver cannot know, e.g. how the script set the environment).
run_peer() {
    local tag="$1" extra="$2" output status
    shift 2
    echo "run_peers.sh: $tag" >&2
    output="$("$@")"
    status=$?
    if ((status != 0)) || ! grep -q '^{' <<<"$output"; then
        echo "run_peers.sh: FAILED ($status): $tag" >&2
        failures=$((failures + 1))
    fi
    grep '^{' <<<"$output" | sed "s/}\$/${extra}}/" >&3
}

skip_config() { ((!big && $1 > 1 && $2 >= 1500)); } # layers H

openblas_envs=(unset)
((asis)) && openblas_envs+=(asis)
openblas_env_prefix() { # unset|asis -> sets env_prefix
    if [[ "$1" == unset ]]; then env_prefix=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE); else env_prefix=(env); fi
}

for t in "${thread_list[@]}"; do
    if wants peak; then
        run_peer "fma peak threads=$t" "" env OMP_NUM_THREADS="$t" OMP_WAIT_POLICY=PASSIVE "$build_dir/fma_peak"
    fi
    if wants onednn; then
        for H in "${H_list[@]}"; do
            for L in "${L_list[@]}"; do
                skip_config "$L" "$H" && continue
                for B in "${B_list[@]}"; do
                    for cell in lstm lstm_peephole lbr_gru; do
                        run_peer "onednn $cell L=$L T=$T B=$B H=$H threads=$t" "" \
                            env OMP_NUM_THREADS="$t" OMP_WAIT_POLICY="$omp_wait" \
                            "$build_dir/dnnl_rnn" "$cell" "$L" "$T" "$B" "$H" "$budget"
                    done
                done
            done
        done
    fi

    if wants torch; then
        # nn.LSTM and nn.GRU, then each CellDsl cell written as a PyTorch module loop.
        torch_cells=(lstm gru peephole_loop cifg_loop gru_loop mut1_loop mut2_loop mut3_loop)
        specs=()
        for H in "${H_list[@]}"; do
            for L in "${L_list[@]}"; do
                skip_config "$L" "$H" && continue
                for B in "${B_list[@]}"; do
                    for cell in "${torch_cells[@]}"; do specs+=("$cell:$L:$T:$B:$H"); done
                done
            done
        done
        for e in "${openblas_envs[@]}"; do
            openblas_env_prefix "$e"
            # One process per thread count: OpenBLAS reads OPENBLAS_NUM_THREADS once, at load.
            run_peer "torch threads=$t openblas_env=$e (${#specs[@]} configurations)" \
                ",\"openblas_env\":\"$e\"" \
                "${env_prefix[@]}" OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" \
                OMP_WAIT_POLICY=PASSIVE \
                "$python" "$here/torch_rnn.py" --threads "$t" --budget "$budget" "${specs[@]}"
        done
    fi

    sgemm_opts=(--threads "$t" --T "$T" --B "$Bs" --H "$Hs")
    ((quick)) && sgemm_opts+=(--quick)
    if wants openblas; then
        for e in "${openblas_envs[@]}"; do
            openblas_env_prefix "$e"
            run_peer "openblas sgemm threads=$t openblas_env=$e" \
                ",\"openblas_env\":\"$e\",\"lib\":\"$openblas_variant\"" \
                "${env_prefix[@]}" OPENBLAS_NUM_THREADS="$t" \
                "$build_dir/sgemm_openblas" "${sgemm_opts[@]}"
        done
    fi
    if wants blis; then
        # BLIS 0.9 does not recognise every recent CPU and then falls back to a slower kernel;
        # BLIS_ARCH_TYPE=0 forces its AVX-512 (skx) kernels.
        run_peer "blis sgemm threads=$t" ",\"lib\":\"$blis_variant\"" \
            env BLIS_ARCH_TYPE=0 OMP_NUM_THREADS="$t" OMP_WAIT_POLICY="$omp_wait" \
            "$build_dir/sgemm_blis" "${sgemm_opts[@]}"
    fi
done

exec 3>&-
if ((failures)); then
    die "$failures peer command(s) failed"
fi
echo "run_peers.sh: done${out:+, results in $out}" >&2
