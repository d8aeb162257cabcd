#!/usr/bin/env bash
# Benchmark: wayscan against gitleaks and kingfisher on the same large source tree.
#
# Measures, for each tool, the median wall time of RUNS scans of one corpus, its peak
# resident memory (the highest of all runs), its throughput, and how many of the planted WAYSCloud keys it
# reported. The tracked goals: wayscan within 1.5x of ripgrep (rg -i over the same
# keywords, the same files), >= 5x faster than kingfisher, >= 10x faster than
# gitleaks, > 500 MB/s, peak memory < 200 MB (MB here is always MiB, 2^20 bytes).
#
# Usage:  bench/tree.sh [SRC]          (SRC: a git directory, as BENCH_SRC)
#
# Environment:
#   BENCH_SRC   git directory (bare, or a work tree holding .git) whose HEAD makes the
#               corpus; default /work/.mirror/git+git/repo
#   BENCH_REF   tree-ish to export from it (default HEAD)
#   BENCH_DIR   scratch directory for the corpus and reports (default /tmp/wayscan-bench);
#               never inside the repository, so the corpus can't be committed by accident
#   MIN_MB      the corpus is copied until it is at least this big (default 500)
#   RUNS        timed runs per tool, after one untimed warm-up (default 5)
#   PLANT       fake WAYSCloud keys to plant (default 5)
#   WAYSCAN     wayscan binary (default <repo>/target/release/wayscan)
#   BUILD       1 (default): `cargo build --release` first; 0: use WAYSCAN as it is
#   TOOLS       which tools to run (default "wayscan ripgrep kingfisher gitleaks")
#
# Exit status: 0 when every run succeeded (goals are reported, not enforced), 1 on error.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

BENCH_SRC=${1:-${BENCH_SRC:-/work/.mirror/git+git/repo}}
BENCH_REF=${BENCH_REF:-HEAD}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-bench}
MIN_MB=${MIN_MB:-500}
RUNS=${RUNS:-5}
PLANT=${PLANT:-5}

TOOLS=${TOOLS:-wayscan ripgrep kingfisher gitleaks}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
[[ "$MIN_MB" =~ ^[1-9][0-9]*$ ]] || die "MIN_MB must be a positive integer"
out=$BENCH_DIR/out

# --- corpus ------------------------------------------------------------------------

# The corpus is several full copies of one checkout of BENCH_SRC, side by side:
#   $BENCH_DIR/pristine/          the exported tree (kept unmodified, to undo plants)
#   $BENCH_DIR/corpus/copy-NN/    the copies that are scanned
# `git archive | tar -x` gives the tracked files only and no .git directory, so the
# corpus is not a git repository and no tool can wander into history. Real copies
# (not hard links): each scanner must really read every byte. The corpus is reused
# when the source commit and size target are unchanged; building it takes ~30 s.
build_corpus() {
  local gitdir=$BENCH_SRC
  [[ -d "$gitdir/.git" ]] && gitdir=$gitdir/.git
  local commit
  commit=$(git --git-dir="$gitdir" rev-parse --verify "$BENCH_REF^{commit}" 2>/dev/null) \
    || die "BENCH_SRC=$BENCH_SRC is not a git directory with $BENCH_REF (e.g. a bare clone of git/git)"
  local stamp="$commit min_mb=$MIN_MB"
  corpus=$BENCH_DIR/corpus
  if [[ -f "$BENCH_DIR/corpus.stamp" && "$(cat "$BENCH_DIR/corpus.stamp")" == "$stamp" && -d "$corpus" ]]; then
    say "reusing corpus $corpus ($stamp)"
    return
  fi
  say "building corpus from $BENCH_SRC at $commit"
  rm -rf "$BENCH_DIR/pristine" "$corpus" "$BENCH_DIR/corpus.stamp" "$BENCH_DIR/planted.json"
  mkdir -p "$BENCH_DIR/pristine" "$corpus"
  git --git-dir="$gitdir" archive --format=tar "$commit" | tar -x -C "$BENCH_DIR/pristine"
  local want=$((MIN_MB * 1024 * 1024)) n=0 size=0
  while ((size < want)); do
    n=$((n + 1))
    cp -R "$BENCH_DIR/pristine" "$corpus/$(printf 'copy-%02d' "$n")"
    size=$(du -sb "$corpus" | cut -f1)
  done
  echo "$stamp" >"$BENCH_DIR/corpus.stamp"
  say "corpus: $n copies, $size bytes"
}

# --- measuring ---------------------------------------------------------------------

# The command for one scan of the corpus, writing a JSON report to $out/TOOL.json.
tool_cmd() {
  case $1 in
    wayscan)
      cmd=("$WAYSCAN" scan "$corpus" --format json -o "$out/wayscan.json" --quiet) ;;
    gitleaks)
      # `dir` scans files, not git history. The config extends gitleaks' default rules
      # with a WAYSCloud rule, which it otherwise lacks.
      cmd=("$GITLEAKS_BIN" dir "$corpus" --config "$here/gitleaks-wayscloud.toml"
        --report-path "$out/gitleaks.json" --report-format json --no-banner) ;;
    ripgrep)
      # The same files, the same keywords (every content rule's, from `wayscan rules
      # list`), case-insensitive, counting matches per file: what reading the corpus
      # and finding the keywords costs, with no rule logic at all.
      cmd=("$RG_BIN" -i -F -c --no-messages "${RG_KEYWORDS[@]}" "$corpus") ;;
    kingfisher)
      # --no-validate: no network checks of findings (there is no network, and wayscan
      # does not validate either). --git-history none: files only. --no-update-check:
      # no release lookup at start. --rules-path adds a WAYSCloud rule to the defaults.
      cmd=("$KINGFISHER_BIN" scan "$corpus" --no-validate --git-history none --no-update-check
        --rules-path "$here/kingfisher-wayscloud.yaml" --format json --output "$out/kingfisher.json" --quiet) ;;
  esac
}

# --- main --------------------------------------------------------------------------

ensure_time
mkdir -p "$BENCH_DIR"
for tool in $TOOLS; do
  case $tool in
    wayscan) ensure_wayscan ;;
    gitleaks | kingfisher) ensure_peers ;;
    ripgrep) ensure_ripgrep ;;
    *) die "unknown tool '$tool' in TOOLS" ;;
  esac
done

if [[ " $TOOLS " == *" ripgrep "* ]]; then
  ensure_wayscan
  mapfile -t RG_KEYWORDS < <("$WAYSCAN" rules list --json | "$PYTHON" -c '
import json, sys
words = sorted({k for r in json.load(sys.stdin) if r.get("kind", "content") == "content" for k in r.get("keywords", [])})
for w in words:
    print("-e"); print(w)')
fi

build_corpus
say "planting $PLANT fake WAYSCloud keys (fresh random ones every run)"
"$PYTHON" "$here/bench.py" plant "$corpus" "$BENCH_DIR/pristine" "$BENCH_DIR/planted.json" "$PLANT"
# Throughput is computed over the bytes of the regular files: `du -sb` (used above for
# the size target) also counts directory entries, ~2% more, which would flatter MB/s.
corpus_bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
du_bytes=$(du -sb "$corpus" | cut -f1)

rm -rf "$out"
mkdir -p "$out"
: >"$out/timings.tsv"

# The page cache cannot be dropped here (no privileges for it on every machine), so
# instead every tool gets one untimed warm-up run: all timed runs then read a warm
# cache, and kingfisher has compiled and cached its rule database. Runs are
# interleaved (round-robin) so that a slow phase of the machine hits all tools alike.
# On a 2-core machine anything else running (a cargo build, say) skews the times: the
# 1-minute load average is printed before the runs (should be near 0 on a quiet
# machine) and after them (then about 2 from the scanners themselves), so a noisy run
# can be recognised.
run_rounds
"$PYTHON" "$here/bench.py" report "$BENCH_DIR" "$corpus_bytes" "$du_bytes"
