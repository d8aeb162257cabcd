"""Medians, peak memory and ratios of the timings.tsv the benchmark scripts write
(tool, run, wall seconds, peak RSS KiB, exit code per line).

    python3 bench/timings.py TIMINGS        prints the table and the peer/wayscan ratios
"""
import statistics
import sys


def summarize(path):
    """Prints the table and the ratios; returns {tool: {"walls": [...], "rss": MB}}."""
    rows = [line.split("\t") for line in open(path) if line.strip()]
    tools = {}
    for tool, _run, wall, rss, _rc in rows:
        t = tools.setdefault(tool, {"walls": [], "rss": 0.0})
        t["walls"].append(float(wall))
        t["rss"] = max(t["rss"], float(rss) / 1024)
    print(f"{'tool':<11} {'median s':>9} {'peak MB':>8}   runs")
    for tool, t in tools.items():
        print(f"{tool:<11} {statistics.median(t['walls']):>9.2f} {t['rss']:>8.0f}   {t['walls']}")
    if "wayscan" in tools:
        w = statistics.median(tools["wayscan"]["walls"])
        for peer in ("kingfisher", "gitleaks"):
            if peer in tools:
                print(f"{peer}/wayscan: {statistics.median(tools[peer]['walls']) / w:.2f}x")
    return tools


if __name__ == "__main__":
    summarize(sys.argv[1])
