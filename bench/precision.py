"""Precision of wayscan and of the peers on the labelled corpus (run by precision.sh).

Usage: precision.py LABELS_DIR RESULTS_DIR

LABELS_DIR holds labels.tsv (wayscan findings by rule and fingerprint) and
peer-labels.tsv (the peers' HTTP-credential findings by secret hash). RESULTS_DIR
holds one folder per repository with the reports precision.sh wrote. Prints, per
mode (tree, history): wayscan per rule and per repository, the peers per rule, and
every peer finding labelled true that wayscan did not report at the same place.
"""

import collections
import csv
import hashlib
import json
import os
import sys

GOOD = ("true", "true-fixture")
PEER_RULES = ("curl-auth-header", "curl-auth-user")


# wayscan's fingerprint: SHA-256 over rule, secret and path, each NUL-terminated,
# first 16 bytes in hex (src/finding.rs).
def fingerprint(rule, secret, path):
    h = hashlib.sha256()
    for part in (rule, secret, path):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:32]


WAYSCAN_RULES = ("authorization-header", "http-client-credential", "http-auth-config")


def read_tsv(path):
    with open(path, newline="") as f:
        lines = [l for l in f if not l.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def load(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data


def peer_findings(tool, data):
    """(rule, secret, file, line) of each finding of a peer report."""
    if data is None:
        return []
    if tool == "gitleaks":
        return [(f["RuleID"], f.get("Secret", ""), f.get("File", ""), f.get("StartLine", 0)) for f in data]
    out = []
    for f in data.get("findings", []):
        finding = f.get("finding", {})
        path = finding.get("path", "")
        out.append((f["rule"]["id"].split(".")[-1], finding.get("snippet", ""), path, finding.get("line", 0)))
    return out


def precision(counts):
    labelled = counts["true"] + counts["true-fixture"] + counts["false"]
    return "-" if labelled == 0 else f"{(counts['true'] + counts['true-fixture']) / labelled:.3f}"


def main(labels_dir, results_dir):
    labels = {(r["mode"], r["rule"], r["fingerprint"]): r["label"] for r in read_tsv(os.path.join(labels_dir, "labels.tsv"))}
    peer_labels = {
        (r["rule"], r["secret_sha256_16"]): r["label"] for r in read_tsv(os.path.join(labels_dir, "peer-labels.tsv"))
    }
    repos = sorted(d for d in os.listdir(results_dir) if os.path.isdir(os.path.join(results_dir, d)))
    worst = 1.0
    for mode in ("tree", "history"):
        by_rule = collections.defaultdict(collections.Counter)
        by_repo = collections.defaultdict(collections.Counter)
        peers = collections.defaultdict(collections.Counter)
        places = set()
        # (repository, fingerprint): a leak wayscan reports once per (rule, secret,
        # path), at its first line; a peer's find of the same secret further down
        # the same file is that leak.
        fingerprints = set()
        peer_true = []
        unlabelled = []
        for name in repos:
            report = load(os.path.join(results_dir, name, f"wayscan-{mode}.json"))
            for f in (report or {}).get("findings", []):
                label = labels.get((mode, f["rule_id"], f["fingerprint"]), "unlabelled")
                by_rule[f["rule_id"]][label] += 1
                by_repo[name][label] += 1
                places.add((name, f["path"], f["line"]))
                fingerprints.add((name, f["fingerprint"]))
                if label == "unlabelled":
                    unlabelled.append(f"{name} {f['rule_id']} {f['path']}:{f['line']} {f.get('secret') or ''}")
            for tool in ("gitleaks", "kingfisher"):
                data = load(os.path.join(results_dir, name, f"{tool}-{mode}.json"))
                if data is None:
                    continue
                for rule, secret, path, line in peer_findings(tool, data):
                    peers[tool]["findings"] += 1
                    if rule not in PEER_RULES:
                        continue
                    digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
                    label = peer_labels.get((rule, digest), "unlabelled")
                    peers[tool][label] += 1
                    if label == "true":
                        peer_true.append((tool, name, path, line, secret))
        print(f"\n== {mode} ==")
        print(f"{'wayscan rule':32} {'findings':>8} {'true':>5} {'fixture':>7} {'false':>5} {'unlab.':>6} {'precision':>9}")
        for rule, c in sorted(by_rule.items()):
            total = sum(c.values())
            p = precision(c)
            if p != "-":
                worst = min(worst, float(p))
            print(f"{rule:32} {total:8} {c['true']:5} {c['true-fixture']:7} {c['false']:5} {c['unlabelled']:6} {p:>9}")
        print(f"\n{'repository':32} {'findings':>8} {'precision':>9}")
        for name in repos:
            c = by_repo.get(name, collections.Counter())
            print(f"{name:32} {sum(c.values()):8} {precision(c):>9}")
        print(f"\n{'peer (curl-auth-* rules)':32} {'all':>8} {'http':>5} {'true':>5} {'false':>5} {'unlab.':>6} {'precision':>9}")
        for tool in ("gitleaks", "kingfisher"):
            c = peers.get(tool)
            if not c:
                continue
            http = c["true"] + c["false"] + c["unlabelled"]
            print(f"{tool:32} {c['findings']:8} {http:5} {c['true']:5} {c['false']:5} {c['unlabelled']:6} {precision(c):>9}")
        rule_ids = {rule for rule, _ in by_rule.items()} | set(WAYSCAN_RULES)

        def found(tool, name, path, line, secret):
            if (name, path, line) in places:
                return True
            return any((name, fingerprint(rule, secret, path)) in fingerprints for rule in rule_ids)

        missed = [p[:4] for p in peer_true if not found(*p)]
        print(f"\npeer findings labelled true: {len(peer_true)}; not reported by wayscan (at the same place, or as the same leak): {len(missed)}")
        for tool, name, path, line in missed:
            print(f"  missed: {tool} {name} {path}:{line}")
        for u in unlabelled:
            print(f"  unlabelled: {u}")
    print(f"\nlowest precision of any wayscan rule: {worst:.3f} (goal >= 0.95)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
