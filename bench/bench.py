#!/usr/bin/env python3
"""Helpers for bench/tree.sh: plant fake WAYSCloud keys, then summarise the runs.

    bench.py plant  CORPUS PRISTINE MANIFEST COUNT
    bench.py report BENCH_DIR FILE_BYTES DU_BYTES

Kept in Python because these steps need secure randomness (the `secrets` module),
JSON parsing and medians, which are clumsy in bash. Standard library only, so it runs
on a fresh machine.
"""

import json
import math
import os
import re
import secrets
import shutil
import statistics
import string
import sys

SERVICES = ["storage", "llm", "database", "dns", "gpu"]
ALPHANUM = string.ascii_letters + string.digits

# wayscan drops key-shaped strings that look like documentation placeholders
# (rules/wayscloud.toml, `placeholders`). A random 40-character secret hits one of
# them with a probability below one in a million, but a planted key that wayscan is
# *designed* to ignore would show up as a miss, so such keys are simply redrawn.
PLACEHOLDERS = re.compile(
    r"(?i)your|secret|example|sample|placeholder|dummy|fake|change_?me|redacted"
    r"|replace|insert|xxxx|abcdef|qwerty|123456|0000_|_0000|0{8}"
)

# Only plain source/text files get a key: every scanner reads these, so a miss is a
# real miss and not a file-type policy (binary skipping, archive handling, lock files).
TEXT_EXTENSIONS = {".c", ".h", ".sh", ".pl", ".perl", ".py", ".txt", ".adoc", ".md", ".tcl", ".mak"}
BINARY_PROBE = 8000  # git's (and wayscan's) binary test: a NUL in the first 8000 bytes


def entropy(text):
    counts = {c: text.count(c) for c in set(text)}
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def new_key():
    """wayscloud_{service}_{keyid}_{secret}: keyid 8 lowercase hex, secret 40 alphanumerics."""
    while True:
        service = secrets.choice(SERVICES)
        key_id = secrets.token_hex(4)
        secret = "".join(secrets.choice(ALPHANUM) for _ in range(40))
        key = f"wayscloud_{service}_{key_id}_{secret}"
        if not PLACEHOLDERS.search(key) and entropy(secret) >= 3.0:
            return key, f"wayscloud_{service}_{key_id}_"


def is_text(path):
    with open(path, "rb") as f:
        return b"\0" not in f.read(BINARY_PROBE)


def plant(corpus, pristine, manifest, count):
    # Undo the previous run's plants first, so a reused corpus never accumulates keys:
    # each planted file is copied back from the pristine checkout it was made from.
    if os.path.exists(manifest):
        with open(manifest) as f:
            for entry in json.load(f)["planted"]:
                copy_dir, rel = entry["path"].split("/", 1)
                target = os.path.join(corpus, entry["path"])
                if os.path.exists(target):
                    shutil.copyfile(os.path.join(pristine, rel), target)
        os.remove(manifest)

    candidates = {}
    for copy in sorted(os.listdir(corpus)):
        for root, _dirs, files in os.walk(os.path.join(corpus, copy)):
            for name in files:
                path = os.path.join(root, name)
                if (os.path.splitext(name)[1] in TEXT_EXTENSIONS
                        and os.path.isfile(path) and not os.path.islink(path)
                        and os.path.getsize(path) > 0):
                    candidates.setdefault(copy, []).append(path)

    # Spread the keys over different copies (and so different places in the tree).
    rng = secrets.SystemRandom()
    copies = list(candidates)
    rng.shuffle(copies)
    planted = []
    while len(planted) < count:
        copy = copies[len(planted) % len(copies)]
        path = rng.choice(candidates[copy])
        if path in (p["abs"] for p in planted) or not is_text(path):
            continue
        key, prefix = new_key()
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "ab") as f:
            # The line shape a developer would write; a missing final newline is added
            # first so the key starts its own line.
            if not data.endswith(b"\n"):
                f.write(b"\n")
            f.write(f'WAYSCLOUD_API_KEY = "{key}"\n'.encode())
        planted.append({"abs": path, "path": os.path.relpath(path, corpus), "key": key, "prefix": prefix})

    with open(manifest, "w") as f:
        json.dump({"planted": [{k: v for k, v in p.items() if k != "abs"} for p in planted]}, f, indent=1)
    for p in planted:
        print(f"  planted {p['prefix']}… in {p['path']}")


def count_findings(tool, report):
    """Total number of findings in a tool's JSON report (None if unreadable)."""
    try:
        with open(report) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    if tool == "gitleaks":
        return len(doc)  # gitleaks' JSON report is a bare list of findings
    return len(doc.get("findings", []))  # wayscan and kingfisher: {"findings": [...]}


def scanned_bytes(tool, report, log):
    """Bytes the tool says it scanned: a check that every tool read the whole corpus
    (a tool that skips files, e.g. by ignore rules, would look faster than it is)."""
    try:
        if tool == "gitleaks":  # only in its log: "scanned ~542319628 bytes (542.32 MB) in 35s"
            with open(log, errors="replace") as f:
                m = re.search(r"scanned ~(\d+) bytes", f.read())
            return int(m.group(1)) if m else None
        with open(report) as f:
            doc = json.load(f)
        if tool == "kingfisher":
            return int(doc["metadata"]["summary"]["bytes_scanned"])
        return int(doc["summary"]["bytes"])  # wayscan-report/1
    except (OSError, ValueError, KeyError, TypeError):
        return None


def planted_found(report, planted):
    """How many planted keys a report mentions. Matching is on the key's public prefix
    `wayscloud_{service}_{keyid}_`: the key id is random, so the prefix appears nowhere
    else, and it survives wayscan's default redaction (which keeps the prefix visible),
    while gitleaks and kingfisher print the whole key."""
    try:
        with open(report, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return sum(1 for p in planted if p["prefix"] in text)


def report(bench_dir, corpus_bytes, du_bytes):
    corpus_bytes, du_bytes = int(corpus_bytes), int(du_bytes)
    mib = corpus_bytes / 2**20
    with open(os.path.join(bench_dir, "planted.json")) as f:
        planted = json.load(f)["planted"]

    # timings.tsv: tool, run, wall seconds, peak RSS KiB, exit code (warm-up excluded)
    runs, last_run = {}, {}
    with open(os.path.join(bench_dir, "out", "timings.tsv")) as f:
        for line in f:
            tool, run, wall, rss, _rc = line.split()
            runs.setdefault(tool, []).append((float(wall), int(rss)))
            last_run[tool] = run  # its report is the one left in out/TOOL.json

    tools = [t for t in ("wayscan", "ripgrep", "kingfisher", "gitleaks") if t in runs]
    rows = {}
    for tool in tools:
        walls = [w for w, _ in runs[tool]]
        rss = [r for _, r in runs[tool]]
        rep = os.path.join(bench_dir, "out", f"{tool}.json")
        rows[tool] = {
            "runs": len(walls),
            "walls_s": walls,
            "median_wall_s": statistics.median(walls),
            "min_wall_s": min(walls),
            "max_wall_s": max(walls),
            "peak_rss_mib": max(rss) / 1024,
            "throughput_mib_s": mib / statistics.median(walls) if statistics.median(walls) > 0 else float("inf"),
            "findings": count_findings(tool, rep),
            "scanned_bytes": scanned_bytes(tool, rep, os.path.join(bench_dir, "out", f"{tool}.{last_run[tool]}.log")),
            "planted_found": planted_found(rep, planted),
        }

    print()
    print(f"corpus: {corpus_bytes} bytes in regular files ({mib:.1f} MiB; du -sb {du_bytes / 2**20:.1f} MiB), "
          f"{len(planted)} planted WAYSCloud keys;")
    print(f"        "
          f"{rows[tools[0]]['runs']} timed runs each after one warm-up; MB = MiB = 2^20 bytes")
    print()
    header = (f"{'tool':<11} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12} {'MB/s':>8}"
              f" {'scanned MB':>11} {'findings':>9} {'planted found':>14}")
    print(header)
    print("-" * len(header))
    for tool in tools:
        r = rows[tool]
        found = "?" if r["planted_found"] is None else f"{r['planted_found']}/{len(planted)}"
        findings = "?" if r["findings"] is None else str(r["findings"])
        scanned = "?" if r["scanned_bytes"] is None else f"{r['scanned_bytes'] / 2**20:.0f}"
        print(f"{tool:<11} {r['median_wall_s']:>9.2f} {r['min_wall_s']:>7.2f} {r['max_wall_s']:>7.2f} "
              f"{r['peak_rss_mib']:>12.1f} {r['throughput_mib_s']:>8.1f} {scanned:>11} {findings:>9} {found:>14}")
    print()
    print("MB/s is corpus size / median wall time, the same denominator for every tool; 'scanned MB'")
    print("is what each tool says it read (kingfisher counts decoded/extracted content too);")
    print("findings are as each tool reports them (kingfisher de-duplicates identical secrets).")
    print()

    summary = {"corpus_bytes": corpus_bytes, "du_bytes": du_bytes, "planted": len(planted), "tools": rows, "ratios": {}, "goals": {}}
    if "wayscan" in rows:
        w = rows["wayscan"]
        goals = []
        for peer, want in (("kingfisher", 5), ("gitleaks", 10)):
            if peer in rows:
                ratio = rows[peer]["median_wall_s"] / w["median_wall_s"] if w["median_wall_s"] > 0 else float("inf")
                summary["ratios"][f"{peer}/wayscan"] = ratio
                best = rows[peer]["min_wall_s"] / w["min_wall_s"] if w["min_wall_s"] > 0 else float("inf")
                summary["ratios"][f"{peer}/wayscan (fastest runs)"] = best
                # The fastest-run ratio is less sensitive to other load on the machine.
                print(f"{peer}_time / wayscan_time = {ratio:.2f}x (medians; fastest runs: {best:.2f}x)")
                goals.append((f"wayscan >= {want}x faster than {peer}", ratio >= want, f"{ratio:.2f}x"))
        if "ripgrep" in rows:
            # ripgrep reads the same files and searches the same keywords, case-insensitively,
            # and does nothing else: the limit a keyword-prefiltered scanner can approach.
            ratio = w["median_wall_s"] / rows["ripgrep"]["median_wall_s"] if rows["ripgrep"]["median_wall_s"] > 0 else float("inf")
            summary["ratios"]["wayscan/ripgrep"] = ratio
            print(f"wayscan_time / ripgrep_time = {ratio:.2f}x (medians)")
            goals.append(("wayscan within 1.5x of ripgrep", ratio <= 1.5, f"{ratio:.2f}x"))
        goals.append(("wayscan throughput > 500 MB/s", w["throughput_mib_s"] > 500, f"{w['throughput_mib_s']:.1f} MB/s"))
        goals.append(("wayscan peak RSS < 200 MB", w["peak_rss_mib"] < 200, f"{w['peak_rss_mib']:.1f} MB"))
        goals.append((f"wayscan found all {len(planted)} planted keys", w["planted_found"] == len(planted),
                      f"{w['planted_found']}/{len(planted)}"))
        print()
        for name, ok, value in goals:
            print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {value}")
            summary["goals"][name] = {"pass": ok, "value": value}
    else:
        print("wayscan was not run: ratios and goals need it")

    with open(os.path.join(bench_dir, "results.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print()
    print(f"details: {os.path.join(bench_dir, 'results.json')}, reports and logs in {os.path.join(bench_dir, 'out')}/")


def main(argv):
    if len(argv) == 6 and argv[1] == "plant":
        plant(argv[2], argv[3], argv[4], int(argv[5]))
    elif len(argv) == 5 and argv[1] == "report":
        report(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
