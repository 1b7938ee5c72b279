#!/usr/bin/env bash
# Table 1 of Jozefowicz, Zaremba & Sutskever (2015) at this machine's scale (docs/REPRODUCTION.md): every row of the
# table trained once on Arith, XML and, given the Penn Treebank, PTB, each at the GRU's parameter count; then the
# table beside the paper's.
#
#   bash docs/reproduce.sh OUT_DIR [PTB_FOLDER]
#
# PTB_FOLDER (ptb.train.txt, ptb.valid.txt, ptb.test.txt) defaults to $CELLDSL_DATA/ptb when that folder exists;
# without one the PTB column is left out. CELLDSL is the command that runs celldsl (default: this checkout's CLI in
# a Release build); JOBS trainings run at once (default 1); TASKS picks the columns (default "arith xml ptb") and
# ROWS the cells (default every row of the table): zoo names, and cells `celldsl search export` wrote (NAME.cs files,
# paths without spaces), each a row of its own at the GRU's parameter count with no paper figures.
# A finished run is kept and not trained again, so a stopped reproduction continues where it was; an unfinished
# run folder is trained again from the start.
set -euo pipefail

out=${1:?usage: bash docs/reproduce.sh OUT_DIR [PTB_FOLDER]}
ptb=${2:-}
if [[ -z "$ptb" && -n "${CELLDSL_DATA:-}" && -d "$CELLDSL_DATA/ptb" ]]; then ptb=$CELLDSL_DATA/ptb; fi
if [[ -n "$ptb" && ! -f "$ptb/ptb.train.txt" ]]; then
  echo "reproduce.sh: $ptb holds no ptb.train.txt; give the folder with Mikolov's three PTB files, or none to skip PTB." >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
celldsl=${CELLDSL:-"dotnet run -c Release --project $here/src/CellDsl.Cli --"}
jobs=${JOBS:-1}
tasks=${TASKS:-"arith xml ptb"}
[[ -n "$ptb" ]] || tasks=${tasks//ptb/}

# The rows, with their hidden sizes: ParameterMatching (search/CellDsl.Search/Evaluation) of the whole model
# (embedding, one layer, decoder) to the GRU's at 148 units on Arith (40 symbols) and XML (31), and at 100 units on
# PTB (10,000 words). A test (ReproductionScriptTests) recomputes them.
#        row     cell    arith xml  ptb  paper Arith, XML, PTB (Table 1)
rows=(
  "Tanh    tanh    249   250  102  0.295 0.321 0.088"
  "LSTM    lstm    129   129  99   0.892 0.425 0.089"
  "LSTM-f  lstm-f  148   148  100  0.293 0.234 0.088"
  "LSTM-i  lstm-i  148   148  100  0.751 0.414 0.087"
  "LSTM-o  lstm-o  148   148  100  0.867 0.421 0.089"
  "LSTM-b  lstm-b  129   129  99   0.902 0.444 0.090"
  "GRU     gru     148   148  100  0.896 0.460 0.091"
  "MUT1    mut1    179   180  101  0.921 0.475 0.090"
  "MUT2    mut2    161   162  100  0.898 0.473 0.090"
  "MUT3    mut3    148   148  100  0.907 0.465 0.092"
)

# Exported cells among ROWS: "NAME full-path" each. Their hidden size is found by `train --match`, the same
# ParameterMatching against the GRU at 148 (Arith, XML) or 100 (PTB) units that sized the rows above.
files=()
for r in ${ROWS:-}; do
  [[ $r == *.cs ]] || continue
  [[ -f $r ]] || { echo "reproduce.sh: $r is not a file; ROWS takes zoo names and the NAME.cs files celldsl search export writes." >&2; exit 2; }
  files+=("$(basename "$r" .cs) $(cd "$(dirname "$r")" && pwd)/$(basename "$r")")
done

# One training: the task presets (Adam 0.003, clip 5, init 0.1, T 35, B 20, seed 1; Arith one epoch of 800k
# symbols, XML two of 400k), and for PTB one epoch of one layer, SGD at lr 1, clip 5, init 0.1, T 20, B 20.
# HIDDEN is a size, or "match" for an exported cell.
train() {
  local task=$1 name=$2 cell=$3 hidden=$4 dir=$out/$1-$2 size
  if [[ -f $dir/metrics.jsonl ]] && grep -q '"split":"test"' "$dir/metrics.jsonl"; then return 0; fi
  rm -rf "$dir"
  if [[ $hidden == match ]]; then
    if [[ $task == ptb ]]; then size="--match gru:100"; else size="--match gru:148"; fi
  else size="--hidden $hidden"; fi
  case $task in
    arith|xml) $celldsl train --preset "$task" --cell "$cell" $size --eval-every 0 --run "$dir" ;;
    ptb) $celldsl train --preset small --data "$ptb" --cell "$cell" --layers 1 $size --epochs 1 --run "$dir" ;;
  esac > "$dir.log" 2>&1 || { echo "reproduce.sh: $task $name failed; see $dir.log" >&2; return 1; }
  echo "$task $name: done"
}
export -f train
export out ptb celldsl

mkdir -p "$out"
for task in $tasks; do
  for row in "${rows[@]}"; do
    read -r _ cell ha hx hp _ <<< "$row"
    [[ -z "${ROWS:-}" || " $ROWS " == *" $cell "* ]] || continue
    case $task in arith) h=$ha ;; xml) h=$hx ;; ptb) h=$hp ;; esac
    echo "$task $cell $cell $h"
  done
  for f in ${files[@]+"${files[@]}"}; do
    read -r name path <<< "$f"
    echo "$task $name $path match"
  done
done | xargs -P "$jobs" -L 1 bash -c 'train "$0" "$1" "$2" "$3"'

# The test split's figures: accuracy and wall seconds from metrics.jsonl; for PTB the next-word accuracy comes from
# `celldsl eval` (metrics.jsonl holds the corpus's own metric, perplexity, which is printed beside it).
field() { grep '"split":"test"' "$1" | tail -1 | sed -n "s/.*\"$2\":\([0-9.eE+-]*\).*/\1/p"; }
cell_of() { local r=$1 t=$2 d=$out/$2-$1
  [[ -f $d/metrics.jsonl ]] && grep -q '"split":"test"' "$d/metrics.jsonl" || { echo "-"; return; }
  local wall; wall=$(printf '%.0f' "$(field "$d/metrics.jsonl" wallSeconds)")
  if [[ $t == ptb ]]; then
    local acc; acc=$($celldsl eval "$d" --split test 2>/dev/null | sed -n 's/.*accuracy \([0-9.]*\);.*/\1/p')
    printf '%.3f (ppl %.0f, %s s)' "$acc" "$(field "$d/metrics.jsonl" value)" "$wall"
  else
    printf '%.3f (%s s)' "$(field "$d/metrics.jsonl" value)" "$wall"
  fi
}
echo
echo "| row | hidden (Arith/XML/PTB) | Arith test | paper | XML test | paper | PTB test | paper |"
echo "|---|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  read -r name cell ha hx hp pa px pp <<< "$row"
  echo "| $name | $ha/$hx/$hp | $(cell_of "$cell" arith) | $pa | $(cell_of "$cell" xml) | $px | $(cell_of "$cell" ptb) | $pp |"
done
# An exported cell's hidden sizes are the ones --match chose, as its runs' configs record them.
hidden_of() { sed -n 's/.*"HiddenSize": *\([0-9]*\).*/\1/p' "$out/$2-$1/config.json" 2>/dev/null | head -1 | grep . || echo "-"; }
for f in ${files[@]+"${files[@]}"}; do
  read -r name _ <<< "$f"
  echo "| $name | $(hidden_of "$name" arith)/$(hidden_of "$name" xml)/$(hidden_of "$name" ptb) | $(cell_of "$name" arith) | - | $(cell_of "$name" xml) | - | $(cell_of "$name" ptb) | - |"
done
