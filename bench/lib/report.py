#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Assembles bench/run's parts into one JSON file and prints the table.

usage: report.py PARTS_DIR OUT_JSON

PARTS_DIR holds machine.json and one directory per size (size.json, ingest.json, parse.jsonl,
queries.json, incremental.json, prune.json, or skipped.json).
"""
import json
import math
import os
import sys

KINDS = ["classic", "classic_q", "domain", "msgid", "qid", "deferred", "text"]


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def assemble(parts):
    out = load(os.path.join(parts, "machine.json"), {})
    out["sizes"], out["skipped"] = [], []
    sizes = sorted((int(d) for d in os.listdir(parts) if d.isdigit()))
    for n in sizes:
        d = os.path.join(parts, str(n))
        sk = load(os.path.join(d, "skipped.json"))
        if sk:
            out["skipped"].append(sk)
            continue
        s = load(os.path.join(d, "size.json"), {"messages": n})
        ing = load(os.path.join(d, "ingest.json"), {})
        s["ingest"] = ing
        if ing:
            t = ing["ingest_seconds"]
            s["ingest"]["lines_per_s"] = ing["lines"] / t
            s["ingest"]["mb_per_s"] = ing["raw_bytes"] / 1e6 / t
            s["ingest"]["cat_lines_per_s"] = ing["lines"] / ing["cat_seconds"]
            s["ingest"]["grep_lines_per_s"] = ing["lines"] / ing["grep_seconds"]
            s["ingest"]["ratio_cat_over_index"] = t / ing["cat_seconds"]
            s["ingest"]["ratio_grep_over_index"] = t / ing["grep_seconds"]
            s["ingest"]["index_pct_of_raw"] = 100.0 * ing["index_bytes"] / ing["raw_bytes"]
            s["ingest"]["index_pct_of_disk"] = 100.0 * ing["index_bytes"] / ing["disk_bytes"]
        try:
            s["parse"] = [json.loads(l) for l in open(os.path.join(d, "parse.jsonl"))]
        except OSError:
            s["parse"] = []
        s["queries"] = load(os.path.join(d, "queries.json"), {})
        inc = load(os.path.join(d, "incremental.json"), {})
        if ing and "rerun_seconds" in inc:
            inc["rerun_pct_of_first"] = 100.0 * inc["rerun_seconds"] / ing["ingest_seconds"]
            inc["append_pct_of_first"] = 100.0 * inc["append_seconds"] / ing["ingest_seconds"]
        s["incremental"] = inc
        s["prune"] = load(os.path.join(d, "prune.json"), {})
        s["stats"] = load(os.path.join(d, "stats.json"), {})
        out["sizes"].append(s)
    return out


def fmt_n(x, unit=""):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M{unit}"
    if x >= 1e4:
        return f"{x / 1e3:.0f} k{unit}"
    return f"{x:.0f}{unit}"


def fmt_ms(x):
    if x is None:
        return "-"
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def table(r):
    sizes = r["sizes"]
    rows = []

    def row(label, f):
        vals = []
        for s in sizes:
            try:
                vals.append(f(s))
            except (KeyError, TypeError, ZeroDivisionError, IndexError):
                vals.append("-")
        rows.append((label, vals))

    def stage(s, name):
        return next(p for p in s["parse"] if p["stage"] == name)

    row("messages", lambda s: fmt_n(s["messages"]))
    row("log lines (indexed)", lambda s: fmt_n(s["ingest"]["lines"]))
    row("raw log MB (on disk MB)", lambda s: f"{s['ingest']['raw_bytes'] / 1e6:.0f} ({s['ingest']['disk_bytes'] / 1e6:.0f})")
    row("ingest lines/s", lambda s: fmt_n(s["ingest"]["lines_per_s"]))
    row("ingest MB/s", lambda s: f"{s['ingest']['mb_per_s']:.1f}")
    row("  zcat -f lines/s", lambda s: f"{fmt_n(s['ingest']['cat_lines_per_s'])} (index x{s['ingest']['ratio_cat_over_index']:.0f} slower)")
    row("  zcat -f | grep -c lines/s", lambda s: f"{fmt_n(s['ingest']['grep_lines_per_s'])} (x{s['ingest']['ratio_grep_over_index']:.0f})")
    row("ingest seconds", lambda s: f"{s['ingest']['ingest_seconds']:.1f}")
    row("peak RSS MB", lambda s: f"{s['ingest']['peak_rss_kb'] / 1024:.0f}")
    row("index % of raw (of disk)", lambda s: f"{s['ingest']['index_pct_of_raw']:.0f}% ({s['ingest']['index_pct_of_disk']:.0f}%)")
    row("  sqlite / xapian MB", lambda s: f"{s['ingest']['sqlite_bytes'] / 1e6:.0f} / {s['ingest']['xapian_bytes'] / 1e6:.0f}")
    for st in ("read", "envelope", "parse", "reduce"):
        row(f"parse-bench {st} lines/s", lambda s, st=st: fmt_n(stage(s, st)["lines_per_s"]))
    for k in KINDS:
        row(f"query {k}: CLI median/p99 ms",
            lambda s, k=k: f"{fmt_ms(s['queries']['kinds'][k]['cli_median_ms'])} / {fmt_ms(s['queries']['kinds'][k]['cli_p99_ms'])}")
        row(f"  in-process median/p99 ms",
            lambda s, k=k: f"{fmt_ms(s['queries']['kinds'][k]['inproc_median_ms'])} / {fmt_ms(s['queries']['kinds'][k]['inproc_p99_ms'])}")
        row(f"  ripgrep way median ms (x CLI)",
            lambda s, k=k: f"{s['queries']['kinds'][k]['rg_median_ms']:.0f} (x{s['queries']['kinds'][k]['ratio_rg_over_cli']:.0f})")
    row("re-run unchanged s (% of first)",
        lambda s: s["incremental"]["skipped"] if "skipped" in s["incremental"] else
        f"{s['incremental']['rerun_seconds']:.2f} ({s['incremental']['rerun_pct_of_first']:.1f}%)")
    row("1% append s (% of first)",
        lambda s: s["incremental"]["skipped"] if "skipped" in s["incremental"] else
        f"{s['incremental']['append_seconds']:.2f} ({s['incremental']['append_pct_of_first']:.1f}%)")
    row("prune ~1 day s (removed)",
        lambda s: s["prune"]["skipped"] if "skipped" in s["prune"] else
        f"{s['prune']['seconds']:.2f} ({s['prune']['removed_transactions']} of {s['prune']['transactions_before']})")
    row("stats whole index s (day s)",
        lambda s: s["stats"].get("skipped", "-") if "seconds" not in s.get("stats", {}) else
        f"{s['stats']['seconds']:.2f} ({s['stats']['day_seconds']:.2f})")
    row("pflogsumm, raw logs s (x slower)",
        lambda s: "-" if not s.get("stats", {}).get("pflogsumm_seconds") else
        f"{s['stats']['pflogsumm_seconds']:.1f} (x{s['stats']['pflogsumm_seconds'] / s['stats']['seconds']:.0f})")
    row("load average start/end", lambda s: f"{s['load_start']:.1f} / {s['load_end']:.1f}")
    w0 = max(len(l) for l, _ in rows)
    ws = [max(len(v[i]) for _, v in rows) for i in range(len(sizes))]
    lines = []
    m = r
    lines.append(f"mxtrace benchmarks {m.get('date', '')}: {m.get('nproc')} cores ({m.get('cpu', '')}), "
                 f"{m.get('mem_gib')} GiB RAM; {m.get('versions', {}).get('mxtrace', '')} "
                 f"git {m.get('versions', {}).get('git', '')}, {m.get('versions', {}).get('buildtype', '')}")
    for label, vals in rows:
        lines.append(f"{label:<{w0}}  " + "  ".join(f"{v:>{ws[i]}}" for i, v in enumerate(vals)))
    for sk in r["skipped"]:
        lines.append(f"skipped {sk['messages']} messages: {sk['skipped']}")
    sl = r.get("slopes", {})
    if sl:
        lines.append("")
        lines.append(f"query slopes over {', '.join(fmt_n(n) for n in sl['messages'])} messages "
                     "(log-log least squares of the median against the size: 0 = flat, 1 = linear; target <= 0.1)")
        for k in KINDS:
            if k in sl["kinds"]:
                v = sl["kinds"][k]
                lines.append(f"  {k:<10} in-process {v['inproc']:+.2f}   CLI {v['cli']:+.2f}")
    return "\n".join(lines)


def slopes(r):
    """Per query kind: the slope of log(median ms) against log(messages) over every measured size
    (least squares), in-process and through the CLI. Needs two sizes or more."""
    sizes = [s for s in r["sizes"] if s.get("queries", {}).get("kinds")]
    if len(sizes) < 2:
        return {}
    xs = [math.log(s["messages"]) for s in sizes]

    def fit(ys):
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        den = sum((x - mx) ** 2 for x in xs)
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0

    out = {"messages": [s["messages"] for s in sizes], "kinds": {}}
    for k in KINDS:
        try:
            ip = [math.log(max(s["queries"]["kinds"][k]["inproc_median_ms"], 1e-3)) for s in sizes]
            cl = [math.log(max(s["queries"]["kinds"][k]["cli_median_ms"], 1e-3)) for s in sizes]
        except (KeyError, TypeError):
            continue
        out["kinds"][k] = {"inproc": fit(ip), "cli": fit(cl)}
    return out


def main():
    parts, out = sys.argv[1:3]
    r = assemble(parts)
    r["slopes"] = slopes(r)
    with open(out, "w") as f:
        json.dump(r, f, indent=1, default=str)
    print()
    print(table(r))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
