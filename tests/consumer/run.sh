#!/usr/bin/env bash
# Packs CellDsl into a folder feed and uses it the way a user does, from projects outside the solution:
# one PackageReference builds, runs and gradient-checks a cell; a malformed cell fails with its CDSL error at
# its file and line; an old compiler gets the package's named error; the trainer package brings the generator
# along; the celldsl tool installs from the same feed, lists the zoo and trains a cell from a .cs file.
# Prints one line per check and, last, "consumer: N passed, N failed"; exits 1 when any check failed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
configuration="${CONFIGURATION:-Release}"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# A fresh work folder per run: the feed, the consumer projects and (below) their own package cache, so a
# rerun can never restore a CellDsl package packed by an earlier run.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/consumer" "$work/feed" "$work/logs"
cp -R "$repo/tests/consumer/." "$work/consumer/"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() {
  failed=$((failed + 1)); echo "not ok - $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then sed 's/^/    /' "$2" | tail -n 30; fi
}

version="$(dotnet msbuild "$repo/src/CellDsl/CellDsl.csproj" -getProperty:Version 2>/dev/null | tr -d '[:space:]')"
if [ -z "$version" ]; then
  fail "read the package version from Directory.Build.props"
  echo "consumer: $passed passed, $failed failed"; exit 1
fi

# 1. Pack the three packages (an incremental build when the solution was just built in this configuration).
packed=true
for project in src/CellDsl src/CellDsl.Training src/CellDsl.Cli; do
  log="$work/logs/pack-$(basename "$project").log"
  if ! dotnet pack "$repo/$project" -c "$configuration" -o "$work/feed" >"$log" 2>&1; then
    packed=false; fail "dotnet pack $project" "$log"
  fi
done
if $packed; then pass "packed CellDsl, CellDsl.Training and CellDsl.Tool $version"; fi

# 2. The CellDsl package's layout: runtime and compiler core as libraries, generator and compiler core as
#    analyzers with no Roslyn inside, the compiler check, README, licence and symbols.
list_zip() {
  if command -v unzip >/dev/null 2>&1; then unzip -Z1 "$1"
  else python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; fi
}
read_zip() {
  if command -v unzip >/dev/null 2>&1; then unzip -p "$1" "$2"
  else python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"; fi
}
nupkg="$work/feed/CellDsl.$version.nupkg"
if [ -f "$nupkg" ]; then
  files="$(list_zip "$nupkg")"
  nuspec="$(read_zip "$nupkg" CellDsl.nuspec)"
  missing=""
  for f in lib/net10.0/CellDsl.dll lib/net10.0/CellDsl.xml lib/net10.0/CellDsl.Compiler.dll \
           analyzers/dotnet/cs/CellDsl.Generator.dll analyzers/dotnet/cs/CellDsl.Compiler.dll \
           buildTransitive/CellDsl.targets README.md LICENSE; do
    grep -qx "$f" <<<"$files" || missing="$missing $f"
  done
  if [ -n "$missing" ]; then fail "CellDsl package lacks:$missing"
  elif grep -qi 'Microsoft.CodeAnalysis' <<<"$files"; then fail "CellDsl package carries Roslyn assemblies"
  elif grep -q 'CellDsl.Compiler\|CellDsl.Generator' <<<"$(grep '<dependency ' <<<"$nuspec")"; then
    fail "CellDsl package depends on its own compiler or generator project"
  elif ! grep -q '<license type="expression">MIT</license>' <<<"$nuspec"; then fail "CellDsl package has no MIT licence expression"
  elif [ ! -f "$work/feed/CellDsl.$version.snupkg" ]; then fail "CellDsl symbols package (snupkg) missing"
  else pass "CellDsl package: lib, analyzers without Roslyn, build check, README, licence, symbols"; fi
else
  fail "CellDsl package $nupkg missing"
fi

# The consumers restore into their own cache from here on (fresh per run, see above).
export NUGET_PACKAGES="$work/packages"
cd "$work/consumer"

# Builds and runs a consumer project; passes when its program reports a passing gradient check.
gradient_checked() {
  local project="$1" what="$2" log="$work/logs/$1.log"
  if dotnet build "$project" -c Release -p:CellDslVersion="$version" >"$log" 2>&1 &&
     dotnet run --project "$project" -c Release --no-build >>"$log" 2>&1 &&
     grep -q '^gradient check passed$' "$log"; then
    pass "$what"
    grep -E '^(MinimalGated|gradient)' "$log" | sed 's/^/    /'
  else
    fail "$what" "$log"
  fi
}

# 3. One PackageReference: the cell is generated, runs, and its gradients match the interpreter's.
gradient_checked GoodCell "one PackageReference: the declared cell builds, runs and passes its gradient check"

# 4. A malformed cell: the build fails with the generator's error at the declaration's file, line and column.
log="$work/logs/bad.log"
line="$(grep -n 'expect CDSL0008' BadCell/TwiceAssigned.cs | cut -d: -f1)"
column="$(sed -n "${line}p" BadCell/TwiceAssigned.cs | awk '{ print index($0, "h =") }')"
what="a malformed cell fails with CDSL0008 at TwiceAssigned.cs($line,$column)"
if ! dotnet build BadCell -c Release -p:CellDslVersion="$version" >"$log" 2>&1 &&
   grep -q "TwiceAssigned.cs($line,$column): error CDSL0008" "$log"; then
  pass "$what"
else
  fail "$what" "$log"
fi

# 5. A compiler older than the generator's Roslyn: the package's check names the cause (the API version the
#    SDK reports is overridden to what the .NET 9 SDK's compiler reports).
log="$work/logs/old-compiler.log"
what="an older compiler fails with CDSL1001 naming its Roslyn version"
if ! dotnet build GoodCell -c Release -p:CellDslVersion="$version" -p:CompilerApiVersion=roslyn4.14 --no-restore >"$log" 2>&1 &&
   grep -q "error CDSL1001: .*Roslyn 4.14" "$log"; then
  pass "$what"
else
  fail "$what" "$log"
fi

# 6. Only the trainer package referenced: CellDsl's generator comes with it.
gradient_checked TrainingCell "CellDsl.Training alone brings the generator: the cell builds and passes its gradient check"

# 7. The tool from the same feed, installed from outside the consumer folder: its nuget.config maps package
#    sources, which --add-source may not be combined with.
log="$work/logs/tool.log"
what="dotnet tool install CellDsl.Tool, then 'celldsl cells' lists the zoo"
cd "$work"
if dotnet tool install --tool-path "$work/tools" --add-source "$work/feed" CellDsl.Tool --version "$version" >"$log" 2>&1 &&
   "$work/tools/celldsl" cells >>"$log" 2>&1 &&
   grep -q '^lstm ' "$log"; then
  pass "$what"
else
  fail "$what" "$log"
fi

# 8. The installed tool trains a cell from a .cs file: its parser is the generator's, which needs the Roslyn the
#    tool ships to be the one the generator was built against.
log="$work/logs/tool-train.log"
what="the installed celldsl trains a cell declared in a .cs file"
cat > "$work/Coupled.cs" <<'CELL'
using CellDsl;
using static CellDsl.CellOps;

[RnnCell]
public partial class Coupled
{
    static void Step(Var x, ref Var h, ref Var c)
    {
        var f = Sigmoid(W(x) + W(h) + B(1f));
        c = f * c + (1f - f) * Tanh(W(x) + W(h) + B());
        h = Tanh(c);
    }
}
CELL
if [ -x "$work/tools/celldsl" ] &&
   "$work/tools/celldsl" train --preset xml --cell "$work/Coupled.cs" --hidden 8 --steps 10 --batch 4 --task-tokens 2000 \
     --epochs 1 --eval-every 0 --run "$work/coupled-run" >"$log" 2>&1 &&
   grep -q 'training Coupled 1x8 on xml' "$log" && grep -q '"Coupled"' "$work/coupled-run/config.json"; then
  pass "$what"
else
  fail "$what" "$log"
fi

echo "consumer: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
