#!/usr/bin/env bash
# Benchmark: `wayscan audit` of 20 real repositories (full history and current tree
# of each, one report) against running gitleaks and kingfisher on each repository in
# turn, as a security team would script them. Same input, same run, medians.
#
# Usage:  bench/audit.sh
#
# Environment:
#   BENCH_MIRRORS  where the repositories come from: git directories named
#                  OWNER+NAME/repo (the search tool's `fetch`); default /work/.mirror
#   BENCH_REPOS    the 20 repositories (OWNER+NAME, space-separated); default below
#   BENCH_DIR      scratch directory (default /tmp/wayscan-bench-audit); the
#                  branches and tags of each mirror are fetched once into
#                  $BENCH_DIR/repos/NAME.git, what a clone holds (no pull-request refs)
#   RUNS           timed rounds after one untimed warm-up (default 3)
#   WAYSCAN, BUILD, TOOLS, PYTHON as in bench/tree.sh
#
# Exit status: 0 when every run succeeded, 1 on error.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

BENCH_MIRRORS=${BENCH_MIRRORS:-/work/.mirror}
BENCH_REPOS=${BENCH_REPOS:-"BurntSushi+ripgrep axios+axios clap-rs+clap expressjs+express gin-gonic+gin
  gitleaks+gitleaks jqlang+jq junegunn+fzf sharkdp+hyperfine pallets+click pallets+flask psf+requests
  rust-lang+cargo pallets+jinja serde-rs+serde sharkdp+bat sharkdp+fd spf13+cobra tokio-rs+tokio
  pallets+werkzeug"}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-bench-audit}
RUNS=${RUNS:-3}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
out=$BENCH_DIR/out
repos_dir=$BENCH_DIR/repos

# Runs "$@" once per repository (the peer's own command, REPO replaced), in turn;
# exit 1 (findings) is success, anything higher fails the loop.
each_repo() {
  local rc=0 r c
  for r in "$repos_dir"/*.git; do
    c=0
    "${@//REPO/$r}" >/dev/null 2>&1 || c=$?
    case " $PEER_OK " in *" $c "*) ;; *) echo "failed with $c on $r" >&2; rc=2 ;; esac
  done
  return $rc
}
export -f each_repo

tool_cmd() {
  case $1 in
    wayscan)
      # --fresh: every run scans everything (no results reused from the last run).
      cmd=("$WAYSCAN" audit "$repos_dir" -o "$out/audit" --fresh --quiet) ;;
    gitleaks)
      cmd=(env PEER_OK="0 1" repos_dir="$repos_dir" bash -c 'each_repo "$@"' _
        "$GITLEAKS_BIN" git REPO --report-path "$out/gitleaks.json" --report-format json --no-banner) ;;
    kingfisher)
      cmd=(env PEER_OK="0 200 205" repos_dir="$repos_dir" bash -c 'each_repo "$@"' _
        "$KINGFISHER_BIN" scan REPO --no-validate --no-update-check --format json
        --output "$out/kingfisher.json" --quiet) ;;
  esac
}

ensure_time
ensure_wayscan
ensure_peers
mkdir -p "$repos_dir"
count=0
for name in $BENCH_REPOS; do
  source_dir=$BENCH_MIRRORS/$name/repo
  [[ -d $source_dir ]] || die "no mirror at $source_dir (fetch github:${name/+//} first)"
  target=$repos_dir/${name#*+}.git
  if [[ ! -d $target ]]; then
    say "fetching the branches and tags of $name into $target"
    git init -q --bare "$target.partial"
    git --git-dir="$target.partial" fetch -q --no-tags "file://$source_dir" \
      'refs/heads/*:refs/heads/*' 'refs/tags/*:refs/tags/*' || die "cannot fetch $name"
    mv "$target.partial" "$target"
  fi
  count=$((count + 1))
done
commits=0
for r in "$repos_dir"/*.git; do
  commits=$((commits + $(git --git-dir="$r" rev-list --all --count)))
done
say "$count repositories, $commits commits, $(du -sm "$repos_dir" | cut -f1) MB"
rm -rf "$out" && mkdir -p "$out"
: >"$out/timings.tsv"
run_rounds

"$PYTHON" "$here/timings.py" "$out/timings.tsv"
