"""Draws probe's arrival timeline (probe/README.md, --out): requests that arrived, were answered and
were abandoned per 10 ms, from the summary.json probe wrote, with the first failure and the window
where retries were looked for marked.

    /usr/bin/python3 probe/probe_chart.py DIR/summary.json DIR/arrivals.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display: probe may run on a CI machine
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator


def main(summary_path, png_path):
    with open(summary_path) as f:
        report = json.load(f)
    summary = report["summary"]
    timeline = summary["timeline"]
    bucket = timeline["bucket_ms"] / 1000.0
    times = [i * bucket for i in range(len(timeline["started"]))]

    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    ax.bar(times, timeline["started"], width=bucket, align="edge", color="#1f77b4", label="arrived")
    ax.step(times, timeline["completed"], where="post", color="#2ca02c", linewidth=1, label="answered")
    if any(timeline["cancelled"]):
        ax.step(times, timeline["cancelled"], where="post", color="#d62728", linewidth=1,
                label="abandoned mid-delay")
    if "after_failure" in summary:
        ax.axvline(summary["after_failure"]["seen_ms"] / 1000.0, color="#d62728", linestyle="--",
                   linewidth=1, label="first failure seen")
    retries = summary.get("retries")
    if retries and retries["window_first_bucket"] <= retries["window_last_bucket"]:
        ax.axvspan(retries["window_first_bucket"] * bucket, (retries["window_last_bucket"] + 1) * bucket,
                   color="#ff7f0e", alpha=0.12,
                   label=f"after the failure burst: peak {retries['peak_to_mean']:.1f}x the mean")
    ax.set_xlabel("seconds since probe reset mockd's counters")
    ax.set_ylabel(f"requests per {timeline['bucket_ms']} ms")
    command = " ".join(report["command"])
    ax.set_title(command if len(command) <= 90 else command[:87] + "...", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # requests come whole
    fig.tight_layout()
    fig.savefig(png_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
