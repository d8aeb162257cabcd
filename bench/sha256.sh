#!/usr/bin/env bash
# Benchmark: one history in both object formats. The branches and tags of git's own
# repository are exported once per format (git fast-export) and imported into a
# SHA-1 and a SHA-256 repository, each repacked alike, so the id length is the only
# difference; wayscan and the peers then scan each, as bench/history.sh does, in one
# run. Submodule links are dropped: a SHA-256 repository cannot hold a SHA-1 id.
#
# Usage:  bench/sha256.sh
#
# Environment:
#   BENCH_SOURCE  git directory to export (default: bench/history.sh's copy,
#                 /tmp/wayscan-bench-history/git.git; run that script once first)
#   BENCH_DIR     scratch directory for the two repositories and the reports
#                 (default /tmp/wayscan-bench-sha256); the repositories are built once
#   RUNS          timed rounds per format after one untimed warm-up (default 3)
#   WAYSCAN, BUILD, TOOLS, PYTHON as in bench/tree.sh
#
# Exit status: 0 when every run succeeded, 1 on error. A peer that cannot read a
# format may still exit 0: the summary shows what each tool's log says of it.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

BENCH_SOURCE=${BENCH_SOURCE:-/tmp/wayscan-bench-history/git.git}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-bench-sha256}
RUNS=${RUNS:-3}
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

[[ -d $BENCH_SOURCE ]] || die "no repository at $BENCH_SOURCE (run bench/history.sh once, or set BENCH_SOURCE)"

# Copies a fast-export stream from stdin to stdout without its submodule links
# (`M 160000` lines), skipping over the data blocks, whose bytes may hold anything.
drop_gitlinks() {
  "$PYTHON" -c '
import sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
for line in iter(inp.readline, b""):
    if line.startswith(b"data "):
        out.write(line)
        spec = line[5:].strip()
        if spec.startswith(b"<<"):
            end = spec[2:] + b"\n"
            for body in iter(inp.readline, b""):
                out.write(body)
                if body == end:
                    break
            continue
        left = int(spec)
        while left > 0:
            chunk = inp.read(min(left, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)
    elif not line.startswith(b"M 160000 "):
        out.write(line)
'
}

# Builds $BENCH_DIR/FORMAT.git from BENCH_SOURCE, once.
build() {
  local format=$1 dir=$BENCH_DIR/$1.git
  [[ -f $dir/.built ]] && return
  say "building $dir (fast-export | fast-import, then repack -adf; a few minutes)"
  rm -rf "$dir"
  git init -q --bare --object-format="$format" "$dir"
  git --git-dir="$BENCH_SOURCE" fast-export --all --signed-tags=strip --reencode=yes 2>/dev/null |
    drop_gitlinks | git --git-dir="$dir" fast-import --quiet
  git --git-dir="$dir" repack -adfq --window=10 --depth=50
  touch "$dir/.built"
}

tool_cmd() { history_cmd "$1"; }

ensure_time
ensure_wayscan
ensure_peers
mkdir -p "$BENCH_DIR"
for format in sha1 sha256; do build "$format"; done
for format in sha1 sha256; do
  BENCH_REPO=$BENCH_DIR/$format.git
  out=$BENCH_DIR/out-$format
  rm -rf "$out" && mkdir -p "$out"
  : >"$out/timings.tsv"
  say "$format: $(git --git-dir="$BENCH_REPO" rev-list --all --count) commits, pack $(du -sh "$BENCH_REPO/objects/pack" | cut -f1)"
  run_rounds
done

# TOOLS is a list: one argument per tool.
# shellcheck disable=SC2086
"$PYTHON" - "$BENCH_DIR" $TOOLS <<'PY'
import json, pathlib, statistics, sys
base, tools = pathlib.Path(sys.argv[1]), sys.argv[2:]
print(f"{'format':8} {'tool':11} {'median s':>9} {'peak MB':>8}  what the last log says")
medians = {}
for fmt in ("sha1", "sha256"):
    out = base / f"out-{fmt}"
    rows = [l.split("\t") for l in (out / "timings.tsv").read_text().splitlines()]
    for tool in tools:
        walls = [float(r[2]) for r in rows if r[0] == tool]
        peak = max(int(r[3]) for r in rows if r[0] == tool) / 1024
        medians[fmt, tool] = statistics.median(walls)
        logs = sorted(out.glob(f"{tool}.[0-9]*.log"))
        said = [l for l in logs[-1].read_text(errors="replace").splitlines() if "ERROR" in l or "error" in l][:1] if logs else []
        print(f"{fmt:8} {tool:11} {medians[fmt, tool]:9.2f} {peak:8.0f}  {said[0][:90] if said else ''}")
if "wayscan" in tools:
    print(f"wayscan sha256/sha1: {medians['sha256', 'wayscan'] / medians['sha1', 'wayscan']:.2f}x")
    for tool in tools:
        if tool != "wayscan":
            print(f"sha256: {tool}/wayscan {medians['sha256', tool] / medians['sha256', 'wayscan']:.2f}x")
PY
