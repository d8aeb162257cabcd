#!/usr/bin/env bash
# Benchmark: the cost of one long line holding many matches, the shape of minified
# files and one-line JSON exports. The goal (issues 13 and 16): a 1 MB line of
# 26,000 `{"Authorization": "Bearer ..."}` objects scans in under 0.2 s, a 10 MB
# line in under 2 s, i.e. cost linear in the line's length, not in length x matches.
#
# Usage:  bench/longline.sh
# Environment: RUNS (default 5, median reported), BENCH_DIR (default
# /tmp/wayscan-longline), WAYSCAN (default target/release/wayscan), BUILD (1: build).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-longline}
WAYSCAN=${WAYSCAN:-$repo/target/release/wayscan}
[[ ${BUILD:-1} == 1 ]] && (cd "$repo" && cargo build --release --quiet)

mkdir -p "$BENCH_DIR"
# Random tokens, made here: nothing key-like is stored in the repository.
python3 - "$BENCH_DIR" <<'PY'
import os, random, string, sys
out = sys.argv[1]
rng = random.Random(7)
alphabet = string.ascii_letters + string.digits
for name, count, length in (("1mb", 26000, 20), ("10mb", 260000, 20)):
    os.makedirs(f"{out}/{name}", exist_ok=True)
    objects = ('{"Authorization": "Bearer %s"}' % "".join(rng.choice(alphabet) for _ in range(length))
               for _ in range(count))
    with open(f"{out}/{name}/line.json", "w") as f:
        f.write("[" + ",".join(objects) + "]")
PY

for name in 1mb 10mb; do
    dir=$BENCH_DIR/$name
    size=$(stat -c %s "$dir/line.json")
    times=()
    for _ in $(seq "$RUNS"); do
        start=$(date +%s.%N)
        "$WAYSCAN" scan "$dir" --format json -o "$BENCH_DIR/$name.json" 2>/dev/null || [[ $? == 1 ]]
        end=$(date +%s.%N)
        times+=("$(awk "BEGIN {print $end - $start}")")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$BENCH_DIR/$name.json")
    printf '%-5s %9d bytes on one line  %6d findings  median %.3f s of %d runs\n' \
        "$name" "$size" "$findings" "$median" "$RUNS"
done
