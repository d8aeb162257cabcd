#!/usr/bin/env python3
"""Issue 19 on real repositories: a repository's own .gitleaks.toml, run by gitleaks
and, imported, by wayscan, over the same checkout. Prints what gitleaks found that
wayscan did not (must be nothing) and what only wayscan found, by cause.

Usage: bench/import_compare.py [--history] GIT_DIR [GIT_DIR ...]
  GIT_DIR: a repository (bare or not) whose HEAD holds a .gitleaks.toml.
  --history: compare `gitleaks git` and `wayscan history` over the whole history
  instead, as (file, secret) pairs: wayscan names the first commit of each place,
  gitleaks every commit that touched it.
Environment: WAYSCAN (default target/release/wayscan), GITLEAKS (default gitleaks),
SHOW_EXTRA=1 to list what only wayscan found (each secret as 4 characters and a length).

Each repository's HEAD is exported into a fresh one-commit repository in a temporary
directory, so both tools read the same files: gitleaks `dir`, wayscan `scan` after
`wayscan import gitleaks`. A finding is (file, line, secret); files the import wrote
after gitleaks ran (.wayscan.toml, .wayscan/) are left out.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYSCAN = os.environ.get("WAYSCAN", str(ROOT / "target/release/wayscan"))
GITLEAKS = os.environ.get("GITLEAKS", "gitleaks")


def run(cmd, cwd, check=True):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and out.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, cmd))}: exit {out.returncode}\n{out.stderr}")
    return out


def checkout(git_dir, into):
    archive = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A", "-f"],
                ["git", "-c", "user.name=x", "-c", "user.email=x@x.invalid", "commit", "-q", "-m", "x"]):
        subprocess.run(cmd, cwd=into, check=True, capture_output=True)


def history_places(git_dir, tmp):
    """(file, secret) -> rule of `gitleaks git`, and the import's notes and places
    of `wayscan history`, with the configuration of HEAD."""
    clone = Path(tmp) / "clone"
    cloned = subprocess.run(["git", "clone", "-q", "--no-local", git_dir, clone], capture_output=True, text=True)
    if cloned.returncode != 0:
        sys.exit(f"{git_dir}: cannot clone: {cloned.stderr.strip()}")
    report = Path(tmp) / "gitleaks.json"
    run([GITLEAKS, "git", ".", "--no-banner", "--exit-code", "0", "--config", ".gitleaks.toml",
         "--report-format", "json", "--report-path", report], clone)
    by_gitleaks = {(f["File"], f["Secret"]): f["RuleID"] for f in json.loads(report.read_text())}
    imported = run([WAYSCAN, "import", "gitleaks"], clone)
    history = run([WAYSCAN, "history", "--format", "json", "--show-secrets", "--quiet"], clone)
    by_wayscan = {}
    # A blob at several paths is a finding at each.
    for f in json.loads(history.stdout)["findings"]:
        by_wayscan[(f["path"], f["secret"] or "")] = (f["rule_id"], f.get("encoding"))
    return clone, by_gitleaks, by_wayscan, imported


def compare(git_dir, history=False):
    name = Path(git_dir).resolve().parent.name if Path(git_dir).name in ("repo", ".git") else Path(git_dir).name
    with tempfile.TemporaryDirectory(prefix="wayscan-import-") as tmp:
        if history:
            tree, by_gitleaks, by_wayscan, imported = history_places(git_dir, tmp)
        else:
            tree = Path(tmp) / "tree"
            tree.mkdir()
            checkout(git_dir, tree)
            report = Path(tmp) / "gitleaks.json"
            run([GITLEAKS, "dir", ".", "--no-banner", "--exit-code", "0", "--config", ".gitleaks.toml",
                 "--report-format", "json", "--report-path", report], tree)
            by_gitleaks = {(f["File"], max(f["StartLine"], 1), f["Secret"]): f["RuleID"]
                           for f in json.loads(report.read_text())}
            imported = run([WAYSCAN, "import", "gitleaks"], tree)
            scan = run([WAYSCAN, "scan", "--format", "json", "--show-secrets", "--quiet"], tree)
            by_wayscan = {}
            for f in json.loads(scan.stdout)["findings"]:
                if f["path"] == ".wayscan.toml" or f["path"].startswith(".wayscan/"):
                    continue
                by_wayscan[(f["path"], f["line"], f["secret"] or "")] = (f["rule_id"], f.get("encoding"))
        if imported.returncode != 0:
            sys.exit(f"{name}: import failed\n{imported.stderr}")
        imported_ids = set()
        if (tree / ".wayscan/gitleaks-rules.toml").is_file():
            listed = run([WAYSCAN, "rules", "list", "--json", "--rules", ".wayscan/gitleaks-rules.toml"], tree)
            imported_ids = {r["id"] for r in json.loads(listed.stdout) if r.get("imported_from")}
        missed = sorted(set(by_gitleaks) - set(by_wayscan))
        extra = Counter()
        for place, (rule, encoding) in by_wayscan.items():
            if place in by_gitleaks:
                continue
            if rule not in imported_ids:
                extra["built-in wayscan rule"] += 1
            elif encoding or "!" in place[0]:
                extra["inside an encoding or archive gitleaks does not open"] += 1
            else:
                extra[f"imported rule {rule}"] += 1
        notes = [line for line in imported.stderr.splitlines() if "wayscan: import:" in line]
        print(f"== {name}: {len(by_gitleaks)} gitleaks findings, "
              f"{len(by_gitleaks) - len(missed)} found by wayscan, {len(missed)} missed")
        for place in missed:
            print(f"   missed: {place[0]}:{place[1] if not history else ''} ({by_gitleaks[place]})")
        for cause, count in extra.most_common():
            print(f"   only wayscan: {count} ({cause})")
        if os.environ.get("SHOW_EXTRA"):
            for place, (rule, encoding) in sorted(by_wayscan.items()):
                if place not in by_gitleaks:
                    # Secrets are compared, never shown: a prefix names the finding.
                    secret = place[-1]
                    print(f"      {place[0]}:{place[1] if not history else ''} {rule} {encoding} "
                          f"{secret[:4]!r}... ({len(secret)} characters)")
        for note in notes:
            print(f"   {note}")
        return len(missed)


def main():
    args = sys.argv[1:]
    history = "--history" in args
    dirs = [a for a in args if a != "--history"]
    if not dirs:
        sys.exit(__doc__)
    missed = sum(compare(d, history) for d in dirs)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
