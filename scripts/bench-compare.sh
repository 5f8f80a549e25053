#!/usr/bin/env bash
# Runs the durable benchmark (engine/runtime/benches/durable.rs) and the API benchmark (web/benches/api.rs,
# beside moto) on an earlier commit and on this checkout, alternately (before, after, before, after), and
# prints every figure line of both side by side. Usage: scripts/bench-compare.sh [REV]  (default: 55c94d6,
# the main before the outer-ring cleanup). Each side has its own target directory: cargo's fingerprints of
# workspace crates do not tell two checkouts apart, so one shared directory could bench one build twice.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-55c94d6}"
rounds="${ROUNDS:-2}"
before="${TMPDIR:-/tmp}/stepd-bench-before"
out="${TMPDIR:-/tmp}/stepd-bench-compare"
after_target="${CARGO_TARGET_DIR:-$HOME/.cache/stepd-target}"
before_target="$after_target-before"
python3 -m pip install --quiet --disable-pip-version-check "moto[server,stepfunctions]"
command -v pyenv >/dev/null && pyenv rehash || true
git worktree remove --force "$before" 2>/dev/null || rm -rf "$before"
git worktree add --detach "$before" "$rev" >/dev/null
trap 'git worktree remove --force "$before" 2>/dev/null || true' EXIT
rm -rf "$out" && mkdir -p "$out"
side_dir() { if [ "$1" = before ]; then echo "$before"; else echo "$PWD"; fi; }
side_target() { if [ "$1" = before ]; then echo "$before_target"; else echo "$after_target"; fi; }
for side in before after; do
  echo "== building the benchmarks ($side)"
  (cd "$(side_dir $side)" && CARGO_TARGET_DIR="$(side_target $side)" cargo bench --no-run -p stepd-runtime --bench durable -p stepd --bench api 2>&1 | tail -1)
done
for round in $(seq "$rounds"); do
  for side in before after; do
    echo "== round $round: $side"
    export CARGO_TARGET_DIR="$(side_target $side)"
    (cd "$(side_dir $side)" && cargo bench -q -p stepd-runtime --bench durable 2>/dev/null) >"$out/durable-$side-$round.txt"
    (cd "$(side_dir $side)" && cargo bench -q -p stepd --bench api 2>/dev/null) >"$out/api-$side-$round.txt"
  done
done
python3 - "$out" "$rounds" "$rev" <<'PY'
import sys, re, os
out, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
num = re.compile(r"\d[\d,]*\.?\d*")
for bench in ("durable", "api"):
    print(f"\n{bench}: before = {rev}, after = this checkout; each cell: round 1 / round 2 ...")
    runs = {side: [open(os.path.join(out, f"{bench}-{side}-{r}.txt")).read().splitlines()
                   for r in range(1, rounds + 1)] for side in ("before", "after")}
    for i, line in enumerate(runs["after"][0]):
        figures = lambda side: " / ".join(
            ",".join(num.findall(rs[i])) if i < len(rs) else "?" for rs in runs[side])
        if not num.search(line):
            print(f"  {line.strip()}")
            continue
        label = num.sub("#", line.strip())[:90]
        print(f"  {label}\n      before: {figures('before')}\n      after:  {figures('after')}")
PY
