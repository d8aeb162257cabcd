#!/usr/bin/env bash
# Benchmark: wayscan history against gitleaks and kingfisher on a large repository's
# full history, and `wayscan staged` against the peers' staged modes, in one run.
#
# The tracked goals (issue 4): every blob of every ref in under 20 s wall and under
# 400 MB peak memory on git's own repository (4x faster than both peers), and
# `wayscan staged` on a one-file change in under 30 ms (median).
#
# Usage:  bench/history.sh [REPO]        (REPO: a git directory, as BENCH_REPO)
#
# Environment:
#   BENCH_REPO  repository to scan (bare or not); default: the branches and tags of
#               BENCH_SOURCE, fetched once into $BENCH_DIR/git.git (what a clone of
#               git's public repository holds: ~85k commits, as in issue 4)
#   BENCH_SOURCE  where that comes from; default /work/.mirror/git+git/repo (the
#               mirror also has 4,000 pull-request refs and 25 blobs it never
#               fetched, which stop gitleaks; pass it as BENCH_REPO to scan it all)
#   BENCH_DIR   scratch directory for reports and the staged-mode work tree
#               (default /tmp/wayscan-bench-history); never inside this repository
#   RUNS        timed history runs per tool after one untimed warm-up (default 3)
#   STAGED_RUNS timed `staged` runs per tool (default 21)
#   WAYSCAN, BUILD, TOOLS, PYTHON as in bench/tree.sh
#
# Exit status: 0 when every run succeeded (goals are reported, not enforced), 1 on error.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-bench-history}
BENCH_SOURCE=${BENCH_SOURCE:-/work/.mirror/git+git/repo}
BENCH_REPO=${1:-${BENCH_REPO:-$BENCH_DIR/git.git}}
RUNS=${RUNS:-3}
STAGED_RUNS=${STAGED_RUNS:-21}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
out=$BENCH_DIR/out

# The command for one history scan of BENCH_REPO (lib.sh).
tool_cmd() { history_cmd "$1"; }

# A work tree of BENCH_REPO's HEAD as a fresh one-commit repository, with a one-line
# change to one file staged: what a pre-commit hook sees on a typical commit.
staged_repo() {
  local dir=$BENCH_DIR/staged-repo
  if [[ ! -d "$dir/.git" ]]; then
    say "building the staged-mode work tree in $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    git --git-dir="$BENCH_REPO" archive --format=tar HEAD | tar -x -C "$dir"
    git -C "$dir" init -q
    git -C "$dir" add -A
    git -C "$dir" -c user.name=bench -c user.email=bench@invalid commit -q -m base
  fi
  git -C "$dir" reset -q --hard
  local file
  # The first text file, whatever the repository's language (git grep -I skips
  # binaries).
  file=$(git -C "$dir" grep -I -l -e '' | awk 'NR == 1')
  [[ -n $file ]] || die "$BENCH_REPO's HEAD holds no text file to change"
  echo "staged change" >>"$dir/$file"
  git -C "$dir" add "$file"
  staged_dir=$dir
}

# Median milliseconds of STAGED_RUNS runs of a command in the staged work tree.
median_ms() {
  (cd "$staged_dir" && "$PYTHON" - "$STAGED_RUNS" "$@" <<'EOF'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs + 1):  # the first run warms the cache and is dropped
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
print(f"{statistics.median(times[1:]) * 1000:.1f}")
EOF
  )
}

ensure_time
ensure_wayscan
ensure_peers
mkdir -p "$BENCH_DIR"
if [[ $BENCH_REPO == "$BENCH_DIR/git.git" && ! -d $BENCH_REPO ]]; then
  say "fetching the branches and tags of $BENCH_SOURCE into $BENCH_REPO"
  git init -q --bare "$BENCH_REPO"
  git --git-dir="$BENCH_REPO" fetch -q --no-tags "file://$BENCH_SOURCE" \
    'refs/heads/*:refs/heads/*' 'refs/tags/*:refs/tags/*'
fi
rm -rf "$out" && mkdir -p "$out"
: >"$out/timings.tsv"

say "history of $BENCH_REPO: $(git --git-dir="$BENCH_REPO" rev-list --all --count) commits"
run_rounds

staged_repo
say "staged mode, median of $STAGED_RUNS runs on a one-file change"
w=$(median_ms "$WAYSCAN" staged --quiet)
g=$(median_ms "$GITLEAKS_BIN" git --staged --pre-commit --no-banner .)
k=$(median_ms "$KINGFISHER_BIN" scan . --staged --no-validate --no-update-check --quiet)
printf 'staged\t%s\t%s\t%s\n' "$w" "$g" "$k" >"$out/staged.tsv"

"$PYTHON" - "$out/timings.tsv" "$out/staged.tsv" "$out" "$here" <<'EOF'
import glob, re, statistics, sys
sys.path.insert(0, sys.argv[4])
from timings import summarize
tools = summarize(sys.argv[1])
if "wayscan" in tools:
    w = statistics.median(tools["wayscan"]["walls"])
    # gitleaks reads history through `git log -p`, which stops at the first object
    # it cannot read (a partial clone's missing blobs): then its time is not a
    # full-history time, and the ratio above means nothing.
    for log in sorted(glob.glob(f"{sys.argv[3]}/gitleaks.[0-9]*.log")):
        text = re.sub(r"\x1b\[[0-9;]*m", "", open(log, errors="replace").read())
        if "unable to read" in text:
            scanned = [l for l in text.splitlines() if "commits scanned" in l]
            print(f"WARNING: gitleaks stopped early at a missing object ({scanned[-1].split('INF')[-1].strip() if scanned else '?'}); its time is not comparable")
            break
    rss = tools["wayscan"]["rss"]
    print(f"goal under 20 s: {'pass' if w < 20 else 'MISS'} ({w:.1f} s); under 400 MB: {'pass' if rss < 400 else 'MISS'} ({rss:.0f} MB)")
_, w, g, k = open(sys.argv[2]).read().split()
print(f"staged median ms: wayscan {w}, gitleaks {g}, kingfisher {k}; goal under 30 ms: {'pass' if float(w) < 30 else 'MISS'}")
EOF
