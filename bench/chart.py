#!/usr/bin/python3
"""Draw the benchmark's bar chart from latest.json (Debian python3-matplotlib).

Usage: /usr/bin/python3 bench/chart.py RESULTS_JSON OUT_PNG

Two panels, one group of bars per scenario and one bar per tool: cold wall time and bytes transferred,
both on log scales (lower is better). A black tick marks the physical floor of each scenario: round
trips x latency on the time panel, the bytes needed on the bytes panel.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TOOLS = ["cloudfits", "cloudfits Bun", "cloudfits with index", "cloudfits binary", "cloudfits binary with index",
         "astropy", "astropy small blocks", "cfitsio"]
COLORS = {"cloudfits": "#1b7837", "cloudfits Bun": "#5aae61", "cloudfits with index": "#00441b",
          "cloudfits binary": "#a6dba0", "cloudfits binary with index": "#d9f0d3", "astropy": "#762a83", "astropy small blocks": "#c2a5cf",
          "cfitsio": "#e08214"}


def main():
    with open(sys.argv[1]) as f:
        report = json.load(f)
    rows = report["rows"]
    ids = []
    for row in rows:
        if row["id"] not in ids:
            ids.append(row["id"])
    titles = {row["id"]: f'{row["id"]} {row["scenario"]}' for row in rows}

    fig, axes = plt.subplots(1, 2, figsize=(16, 0.55 * len(ids) * len(TOOLS) / 2 + 2), sharey=True)
    height = 0.8 / len(TOOLS)
    for panel, (key, floor, label, scale) in zip(axes, [
            ("coldMs", "floorMs", "cold wall time, ms (log)", 1),
            ("bytes", "needed", "bytes transferred, MB (log)", 1e-6)]):
        floors = [(i, next((r[floor] for r in rows if r["id"] == s and r.get(floor)), None))
                  for i, s in enumerate(ids)]
        floors = [(i, f) for i, f in floors if f]
        if floors:
            panel.scatter([f * scale for _, f in floors], [i for i, _ in floors], marker="|", s=400,
                          color="black", zorder=3, label="physical floor")
        for t, tool in enumerate(TOOLS):
            ys, xs = [], []
            for i, scenario in enumerate(ids):
                match = [r for r in rows if r["id"] == scenario and r["tool"] == tool]
                if match and match[0][key] is not None and match[0][key] > 0:
                    ys.append(i + (t - (len(TOOLS) - 1) / 2) * height)
                    xs.append(match[0][key] * scale)
            if xs:
                panel.barh(ys, xs, height=height, color=COLORS[tool], label=tool)
        panel.set_xscale("log")
        panel.set_axisbelow(True)
        panel.set_xlabel(label)
        panel.grid(axis="x", which="both", alpha=0.3)
    axes[0].set_yticks(range(len(ids)))
    axes[0].set_yticklabels([titles[i][:60] for i in ids], fontsize=8)
    axes[0].invert_yaxis()
    axes[0].legend(loc="lower right", fontsize=7)
    settings = report["settings"]
    fig.suptitle(
        f'cloudfits vs astropy + fsspec and cfitsio — {report["date"][:10]}, {settings["latencyMs"]} ms per request, '
        f'medians of {settings["reps"]} (lower is better)'
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(sys.argv[2], dpi=90)


if __name__ == "__main__":
    main()
