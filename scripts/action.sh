#!/usr/bin/env bash
# The logic of the wayscan GitHub Action (action.yml), kept in a script so tests can
# run it outside GitHub with the runner's environment emulated.
#
#   action.sh cache-key   the cache key of the wayscan build, to $GITHUB_OUTPUT
#   action.sh install     build (or find) wayscan and put it on $GITHUB_PATH
#   action.sh scan        choose what to scan from the event, scan, write the
#                         outputs and the job summary; exit 1 on findings (when
#                         fail-on-findings), 2 on errors
#
# Inputs arrive as INPUT_* environment variables, and the event only through
# $GITHUB_EVENT_PATH (the payload file): nothing from the event is ever spliced into
# a command, and only commit ids (checked to be hexadecimal) are taken from it.

set -euo pipefail

action_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
install_root=${WAYSCAN_ROOT:-${RUNNER_TEMP:-/tmp}/wayscan}
zeros=0000000000000000000000000000000000000000

say() { printf 'wayscan-action: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 2; }

output() {
  # name=value lines; values never hold newlines here.
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

# The value at a dotted path of the event payload, or nothing.
event_value() {
  [[ -n ${GITHUB_EVENT_PATH:-} && -f $GITHUB_EVENT_PATH ]] || return 0
  python3 - "$GITHUB_EVENT_PATH" "$1" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
if value is not None:
    print(str(value).lower() if isinstance(value, bool) else value)
EOF
}

# A commit id from the payload, or nothing when it is not one.
event_sha() {
  local value
  value=$(event_value "$1")
  [[ $value =~ ^[0-9a-f]{40}$ ]] && printf '%s' "$value"
  return 0
}

# The version to install: the input, else the release of the action's own version
# (its Cargo.toml), so `uses: wayscan/wayscan@v0.2.0` runs wayscan v0.2.0.
wanted_version() {
  local version=${INPUT_VERSION:-}
  if [[ -z $version ]]; then
    version=v$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' "$action_dir/Cargo.toml" | head -1)
  fi
  printf '%s' "$version"
}

# The release target of this runner.
release_target() {
  local os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
  case "$os/$arch" in
    Linux/X64 | Linux/x86_64) printf 'x86_64-unknown-linux-musl' ;;
    Linux/ARM64 | Linux/aarch64) printf 'aarch64-unknown-linux-musl' ;;
    macOS/X64 | Darwin/x86_64) printf 'x86_64-apple-darwin' ;;
    macOS/ARM64 | Darwin/arm64) printf 'aarch64-apple-darwin' ;;
    Windows/X64) printf 'x86_64-pc-windows-msvc' ;;
    *) fail "no release binary for $os/$arch; use version: source" ;;
  esac
}

cache_key() {
  local version digest
  version=$(wanted_version)
  case $version in
    path) digest=none ;;
    source)
      digest=$(cd "$action_dir" && { cat Cargo.toml Cargo.lock build.rs; find src rules hooks -type f -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-32) ;;
    *) digest=$version ;;
  esac
  output key "wayscan-${RUNNER_OS:-local}-${RUNNER_ARCH:-x}-$digest"
}

# Downloads the release archive of `version` for this runner and installs its
# binary, after checking its SHA-256 against the release's checksums file. Any
# doubt (no checksum line, a mismatch, a download error) fails closed: nothing is
# installed.
download() {
  local version=$1 target base name expected actual
  target=$(release_target)
  base=${WAYSCAN_RELEASE_BASE_URL:-https://github.com/wayscan/wayscan/releases/download}/$version
  name="wayscan-$version-$target.tar.gz"
  download_work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wayscan-download.XXXXXX")
  # Removed however the step ends (a failed check exits at once); global for the trap.
  trap 'rm -rf "${download_work:-}" "${report_work:-}"' EXIT
  say "downloading $base/$name"
  curl -fsSL --retry 3 --proto-redir '=https' -o "$download_work/$name" "$base/$name" ||
    fail "cannot download $base/$name"
  curl -fsSL --retry 3 --proto-redir '=https' -o "$download_work/checksums.txt" "$base/wayscan-$version-checksums.txt" ||
    fail "cannot download the checksums of $version ($base/wayscan-$version-checksums.txt)"
  expected=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1; exit }' "$download_work/checksums.txt")
  [[ $expected =~ ^[0-9a-f]{64}$ ]] || fail "the checksums of $version have no SHA-256 for $name: not installed"
  actual=$(sha256sum "$download_work/$name" | cut -d' ' -f1)
  [[ $actual == "$expected" ]] ||
    fail "$name does not match the release's SHA-256 (expected $expected, got $actual): not installed"
  tar -xzf "$download_work/$name" -C "$download_work" || fail "$name is not a readable archive"
  [[ -f $download_work/wayscan-$version-$target/wayscan ]] || fail "$name holds no wayscan-$version-$target/wayscan"
  mkdir -p "$install_root/bin"
  # `command`: the system tool, not this script's own `install` function.
  command install -m 755 "$download_work/wayscan-$version-$target/wayscan" "$install_root/bin/wayscan"
}

install() {
  local version
  version=$(wanted_version)
  if [[ $version == path ]]; then
    command -v wayscan >/dev/null || fail "version: path, but wayscan is not on PATH"
  elif [[ $version != source && ! $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    fail "version must be source, path or a tag such as v0.1.0, not '$version'"
  elif [[ -x $install_root/bin/wayscan ]]; then
    say "using the cached build in $install_root"
  elif [[ $version == source ]]; then
    say "building wayscan from $action_dir"
    cargo install --locked --path "$action_dir" --root "$install_root"
  else
    download "$version"
  fi
  if [[ $version != path ]]; then
    [[ -n ${GITHUB_PATH:-} ]] && printf '%s\n' "$install_root/bin" >>"$GITHUB_PATH"
    export PATH="$install_root/bin:$PATH"
  fi
  wayscan --version >&2
}

# The range of the change that triggered the run (A..B), or nothing: pull requests
# scan base..head; pushes before..after, or from the merge base with the default
# branch when `before` is unusable (a new branch, a force push).
change_range() {
  local repo=$1 event=${GITHUB_EVENT_NAME:-}
  case $event in
    pull_request | pull_request_target)
      local base head
      base=$(event_sha pull_request.base.sha)
      head=$(event_sha pull_request.head.sha)
      [[ -n $base && -n $head ]] && printf '%s..%s' "$base" "$head"
      ;;
    push)
      local before after forced default base
      before=$(event_sha before)
      after=$(event_sha after)
      forced=$(event_value forced)
      [[ -n $after && $after != "$zeros" ]] || return 0
      if [[ -n $before && $before != "$zeros" && $forced != true ]] &&
        git -C "$repo" merge-base --is-ancestor "$before" "$after" 2>/dev/null; then
        printf '%s..%s' "$before" "$after"
        return 0
      fi
      default=$(event_value repository.default_branch)
      [[ $default =~ ^[A-Za-z0-9._/-]+$ ]] || default=main
      base=""
      for ref in "refs/remotes/origin/$default" "refs/heads/$default"; do
        if base=$(git -C "$repo" merge-base "$ref" "$after" 2>/dev/null); then
          break
        fi
        base=""
      done
      if [[ -n $base && $base != "$after" ]]; then
        printf '%s..%s' "$base" "$after"
      fi
      ;;
  esac
}

scan() {
  local path=${INPUT_PATH:-.} mode=${INPUT_MODE:-auto} format=${INPUT_FORMAT:-sarif}
  local report=${INPUT_SARIF_FILE:-wayscan.sarif} fail_on=${INPUT_FAIL_ON_FINDINGS:-true}
  local category=${INPUT_CATEGORY:-} baseline=${INPUT_BASELINE:-} range="" args
  # What the step's outcome and the summary come from, whatever the requested format.
  # In a directory of its own (mode 0700), not at a name anyone can guess in a shared
  # temporary directory, where another user could plant a link for wayscan to write
  # through; removed however the step ends (global for the trap).
  report_work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wayscan-report.XXXXXX")
  trap 'rm -rf "${download_work:-}" "${report_work:-}"' EXIT
  local json="$report_work/report.json"
  cd "${GITHUB_WORKSPACE:-.}"
  [[ -e $path ]] || fail "path '$path' does not exist"
  case $format in sarif | json | text) ;; *) fail "format must be sarif, json or text, not '$format'" ;; esac
  case $fail_on in true | false) ;; *) fail "fail-on-findings must be true or false, not '$fail_on'" ;; esac
  local verify=${INPUT_VERIFY:-false}
  case $verify in true | false) ;; *) fail "verify must be true or false, not '$verify'" ;; esac

  case $mode in
    auto | range)
      range=$(change_range "$path")
      if [[ -n $range ]]; then
        mode=range
      elif [[ $mode == range ]]; then
        fail "mode range needs a pull_request or push event with usable commits (event: ${GITHUB_EVENT_NAME:-none})"
      else
        mode=history
        # A push whose change has no base (a new repository's first push) is the
        # history of what was pushed.
        local after
        after=$(event_sha after)
        [[ ${GITHUB_EVENT_NAME:-} == push && -n $after && $after != "$zeros" ]] && args=(--branch "$after")
      fi
      ;;
    tree | history) ;;
    *) fail "mode must be auto, tree, history or range, not '$mode'" ;;
  esac
  category=${category:-wayscan/$mode}

  local command=(wayscan)
  case $mode in
    tree) command+=(scan "$path") ;;
    history) command+=(history "$path" "${args[@]+"${args[@]}"}") ;;
    range) command+=(history "$path" --range "$range") ;;
  esac
  # The API comes from the workflow's WAYSCLOUD_API_URL (or the default), never from
  # the repository being scanned.
  if [[ $verify == true ]]; then
    command+=(--verify --no-verify-cache)
  fi
  # A baseline named here; else the project's `baseline` key applies (in range mode,
  # from the base commit).
  if [[ -n $baseline ]]; then
    command+=(--baseline "$baseline")
  fi
  command+=(--format "$format" --output "$report" --json-report "$json" --exit-code 1)
  command+=(--sarif-category "$category")
  say "mode $mode${range:+, commits $range}: ${command[*]}"
  output mode "$mode"
  output range "$range"
  output category "$category"
  output sarif-file "$report"

  local status=0
  "${command[@]}" || status=$?
  if [[ $status -ge 2 || ! -f $report || ! -f $json ]]; then
    output findings 0
    summary "$json" "$mode" "$range" error
    fail "wayscan could not complete the scan (exit $status)"
  fi
  # The exit code says whether anything was found; the JSON report how much.
  local findings edited=""
  findings=$(count_findings "$json")
  if [[ $status -eq 1 && $findings -eq 0 ]] || [[ $status -eq 0 && $findings -ne 0 ]]; then
    fail "wayscan exited $status but its JSON report lists $findings findings"
  fi
  output findings "$findings"
  # A change that edits its own scan settings: they were read from the base commit.
  if [[ $mode == range ]]; then
    edited=$(git -C "$path" diff --name-only "$range" -- .wayscan.toml .wayscan-baseline.json 2>/dev/null | tr '\n' ' ')
  fi
  summary "$json" "$mode" "$range" ok "$edited"
  if [[ $status -eq 1 && $fail_on == true ]]; then
    say "$findings finding(s): failing the step (fail-on-findings: true)"
    exit 1
  fi
}

# Findings in a JSON report (`--json-report`): never parsed from a text report, where
# a file named "0 findings in x" would read as a count.
count_findings() {
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1], encoding="utf-8"))["findings"]))' "$1"
}

# The job summary: counts by rule, the findings (redacted), and what to do.
summary() {
  [[ -n ${GITHUB_STEP_SUMMARY:-} ]] || return 0
  python3 - "$@" >>"$GITHUB_STEP_SUMMARY" <<'EOF'
import collections, json, sys
report, mode, commits, state = sys.argv[1:5]
edited = sys.argv[5].split() if len(sys.argv) > 5 else []
scope = {"tree": "the checked-out files", "history": "the whole git history",
         "range": f"the commits {commits}"}[mode]
print(f"## wayscan: {scope}\n")
# What could not be read: a scan that did not read everything is not a clean one.
problems = []
try:
    data = json.load(open(report, encoding="utf-8"))
    problems = [("error", f'{e["path"]}: {e["message"]}') for e in data.get("errors", [])]
except (OSError, ValueError, KeyError):
    pass
def cell(text):
    return str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")
if state == "error":
    print("**The scan did not complete: it could not read everything, or could not run.** "
          "It does not pass as clean; see the problems below and the step's log.\n")
if problems:
    print(f"**{len(problems)} problem{'s' if len(problems) != 1 else ''} while reading:**\n")
    print("| level | what | \n| --- | --- |")
    for level, text in problems[:50]:
        print(f"| {cell(level)} | {cell(text)} |")
    if len(problems) > 50:
        print(f"\n{len(problems) - 50} more in the report.")
    print()
if state == "error":
    sys.exit(0)
for path in edited:
    print(f"> **Note:** this change edits `{path}`; the version of the base commit applied, "
          "so a change cannot loosen its own scan.\n")
rows = []
for f in json.load(open(report, encoding="utf-8"))["findings"]:
    rows.append((f["rule_id"], f["path"], f["line"], f.get("secret") or "", (f.get("commit") or {}).get("id", ""),
                 (f.get("verification") or {}).get("status", "")))
if not rows:
    print("No findings.")
    sys.exit(0)
print(f"**{len(rows)} finding{'s' if len(rows) != 1 else ''}**\n")
print("| rule | findings |\n| --- | --- |")
for rule, n in sorted(collections.Counter(r[0] for r in rows).items()):
    print(f"| {cell(rule)} | {n} |")
live = sum(1 for r in rows if r[5] == "live")
if live:
    print(f"\n**{live} key{'s are' if live != 1 else ' is'} live: revoke {'them' if live != 1 else 'it'} first.**")
print("\n| rule | file | line | secret (redacted) | commit | verified |\n| --- | --- | --- | --- | --- | --- |")
for rule, path, line, secret, commit, status in sorted(rows, key=lambda r: (r[5] != "live",) + r)[:200]:
    print(f"| {cell(rule)} | `{cell(path)}` | {line} | `{cell(secret)}` | {cell(commit[:12])} | {cell(status or '-')} |")
if len(rows) > 200:
    print(f"\n{len(rows) - 200} more in the report.")
print("""
### What to do

1. **Revoke every key listed** and issue a new one: a key that reached a commit is
   leaked, even if a later commit removed it (every clone keeps the history).
2. Load secrets from environment variables or a secrets manager; keep `.env` files
   out of git (`wayscan scan --fix-gitignore` adds the `.gitignore` lines).
3. A false positive? Add a comment holding `wayscan:allow` on that line.
""")
EOF
}

case ${1:-} in
  cache-key) cache_key ;;
  install) install ;;
  scan) scan ;;
  *) fail "usage: action.sh cache-key|install|scan" ;;
esac
