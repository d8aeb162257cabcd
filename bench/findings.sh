#!/usr/bin/env bash
# Benchmark: memory per finding. 1,000 files of 100 generated WAYSCloud-shaped keys
# (100,000 findings) against 1,000 files of 100 key-free lines of the same length;
# (peak with keys - peak without) / 100,000 is what one finding costs, report
# included. The goal (issue 15, point 7): hundreds of bytes per finding.
#
# Usage:  bench/findings.sh
# Environment: RUNS (default 3, median reported), BENCH_DIR (default
# /tmp/wayscan-findings), WAYSCAN (default target/release/wayscan), BUILD (1: build).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-findings}
WAYSCAN=${WAYSCAN:-$repo/target/release/wayscan}
[[ ${BUILD:-1} == 1 ]] && (cd "$repo" && cargo build --release --quiet)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt install time)" >&2; exit 1; }

# Random keys, made here: nothing key-like is stored in the repository.
python3 - "$BENCH_DIR" <<'PY'
import os, random, string, sys
out = sys.argv[1]
rng = random.Random(11)
alnum = string.ascii_letters + string.digits
for name in ("keys", "plain"):
    os.makedirs(f"{out}/{name}", exist_ok=True)
for i in range(1000):
    keys, plain = [], []
    for _ in range(100):
        key_id = "".join(rng.choice("0123456789abcdef") for _ in range(8))
        secret = "".join(rng.choice(alnum) for _ in range(40))
        keys.append(f"k=wayscloud_storage_{key_id}_{secret}")
        plain.append("k=" + "".join(rng.choice(alnum) for _ in range(67)))
    for name, lines in (("keys", keys), ("plain", plain)):
        with open(f"{out}/{name}/f{i:04d}.txt", "w") as f:
            f.write("\n".join(lines) + "\n")
PY

peak_kb() {  # peak RSS in KiB of one run of wayscan over $1 with format $2
  # Exit 1 (findings) is expected: only the measurement counts.
  { /usr/bin/time -f "%M" "$WAYSCAN" scan "$1" -f "$2" -o /dev/null -q 2>&1 >/dev/null || true; } | tail -1
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for format in json sarif text; do
  with=$(for _ in $(seq "$RUNS"); do peak_kb "$BENCH_DIR/keys" "$format"; done | median)
  without=$(for _ in $(seq "$RUNS"); do peak_kb "$BENCH_DIR/plain" "$format"; done | median)
  echo "$format: peak $((with / 1024)) MiB with 100,000 findings, $((without / 1024)) MiB without:" \
    "$(( (with - without) * 1024 / 100000 )) bytes per finding"
done
