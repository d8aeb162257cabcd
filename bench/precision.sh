#!/usr/bin/env bash
# Precision on real code: rescans the labelled corpus (bench/precision/corpus.tsv: 21
# public HTTP-heavy repositories, 9 languages) with wayscan, work trees and whole
# histories, and prints precision per rule and per repository from the hand labels
# in bench/precision/labels.tsv, beside gitleaks' and kingfisher's counts on the
# same repositories in the same run (their HTTP-credential rules, labelled in
# bench/precision/peer-labels.tsv by secret hash). Goal (issue 13): precision >= 0.95
# for every rule, in work trees and in histories.
#
# Usage:  bench/precision.sh [CORPUS]
#   CORPUS   a folder holding one clone per corpus repository, named owner+name
#            (default /work/corpus; the search tool's `fetch` brings each one, then
#            `git clone` of that git directory gives it a work tree)
# Environment: WAYSCAN, BUILD (1: cargo build --release first), TOOLS (default
# "wayscan gitleaks kingfisher"), BENCH_DIR (default /tmp/wayscan-precision).
# A finding no label covers is printed as `unlabelled`: label it, then rerun.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
CORPUS=${1:-${CORPUS:-/work/corpus}}
BENCH_DIR=${BENCH_DIR:-/tmp/wayscan-precision}
RUNS=1
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
[[ -d $CORPUS ]] || die "no corpus at $CORPUS (see the header of this script)"
ensure_wayscan
[[ " $TOOLS " == *" gitleaks "* || " $TOOLS " == *" kingfisher "* ]] && ensure_peers
mkdir -p "$BENCH_DIR"

while IFS=$'\t' read -r name _; do
  [[ $name == repo || -z $name ]] && continue
  dir=$CORPUS/$name
  [[ -d $dir/.git ]] || { say "skipped: $name is not in $CORPUS"; continue; }
  out=$BENCH_DIR/$name
  mkdir -p "$out"
  say "$name"
  # --allow-partial: the corpus clones may lack large blobs (the fetch tool's copies
  # are partial); what they lack is named in the reports, and precision is about
  # what was found.
  "$WAYSCAN" scan "$dir" --no-config --allow-partial --format json -o "$out/wayscan-tree.json" 2>/dev/null || [[ $? == 1 ]]
  "$WAYSCAN" history "$dir" --no-config --allow-partial --unreachable --format json -o "$out/wayscan-history.json" 2>/dev/null || [[ $? == 1 ]]
  if [[ " $TOOLS " == *" gitleaks "* ]]; then
    "$GITLEAKS_BIN" dir "$dir" --no-banner --exit-code 0 --report-format json --report-path "$out/gitleaks-tree.json" >/dev/null 2>&1
    "$GITLEAKS_BIN" git "$dir" --no-banner --exit-code 0 --report-format json --report-path "$out/gitleaks-history.json" >/dev/null 2>&1
  fi
  if [[ " $TOOLS " == *" kingfisher "* ]]; then
    "$KINGFISHER_BIN" scan "$dir" --git-history none --no-validate --no-update-check --no-dedup --format json \
      --output "$out/kingfisher-tree.json" >/dev/null 2>&1 || true
    "$KINGFISHER_BIN" scan "$dir" --git-history full --no-validate --no-update-check --no-dedup --format json \
      --output "$out/kingfisher-history.json" >/dev/null 2>&1 || true
  fi
done < "$here/precision/corpus.tsv"

"$PYTHON" "$here/precision.py" "$here/precision" "$BENCH_DIR"
