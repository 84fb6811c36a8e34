#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Query latency of mxtrace beside the ripgrep way, for bench/run.

usage: queries.py --truth T --db DB --mxtrace BIN --query-bench BIN --data DIR --out JSON
                  [--n 100] [--rg-n 5] [--seed 7]

Picks queries of seven kinds from a random sample of the ground truth (deterministic: --seed):
  classic   -f SENDER -d DAY-1 -D DAY+1 -h HOST -r 10    (the README's example)
  classic_q the same search as a query (mxtrace-query(7)):
            'from:SENDER host:HOST date:DAY-1..DAY+1T00:00:00' -r 10
  domain    -t @DOMAIN                                    (default -r 200)
  msgid     -i MESSAGE-ID
  qid       -q QUEUE-ID
  deferred  --status deferred -d DAY -D 'DAY 23:59:59'
  text      --text '"PHRASE"'                             (a phrase of status texts)
Each query runs once to warm the caches, then once timed: N timings per kind through the CLI
(process start included, output to a pipe) and, with query-bench, through Store::search in one
process. The ripgrep way (what an admin does: rg -z for the value, then a second rg -z pass for
the queue IDs the first pass found) is timed for the first --rg-n queries of each kind.
Writes one JSON object to --out.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

PHRASES = ["Connection timed out", "Greylisted", "mailbox for user is full", "Recipient address rejected",
           "Connection refused", "User unknown", "Host not found"]
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
QID_RE = re.compile(rb"\]: ([0-9A-Za-z]{5,20}): ")


def sample_truth(path, k, rng):
    """Reservoir sample of k truth records (one pass, bounded memory)."""
    out = []
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i < k:
                out.append(line)
            else:
                j = rng.randrange(i + 1)
                if j < k:
                    out[j] = line
    return [json.loads(x) for x in out]


def day_of(us):
    return datetime.utcfromtimestamp(us / 1e6).date()


def pick_queries(sample, n, rng):
    """n queries per kind: (kind, mxtrace args, description for the rg way)."""
    q = {k: [] for k in ("classic", "classic_q", "domain", "msgid", "qid", "deferred", "text")}
    senders = [r for r in sample if r["kind"] in ("inbound", "outbound") and r["sender"]]
    # outside domains (our own, corp.example, receives half of all mail: not a question anyone asks)
    rcpt_domains = [a.split("@", 1)[1] for r in sample for a in r["recipients"]
                    if "@" in a and not a.endswith("@corp.example")]
    hops = [(r, h) for r in sample for h in r["hops"]]
    days = sorted({day_of(h["first_us"]) for _, h in hops})
    for i in range(n):
        r = rng.choice(senders)
        h = r["hops"][0]
        d = day_of(h["first_us"])
        q["classic"].append(dict(args=["-f", r["sender"], "-d", f"{d - timedelta(days=1)} 00:00:00",
                                       "-D", f"{d + timedelta(days=1)} 00:00:00", "-h", h["host"], "-r", "10"],
                                 sender=r["sender"], host=h["host"], since=d - timedelta(days=1),
                                 until=d + timedelta(days=1)))
        q["classic_q"].append(dict(args=["-r", "10", f"from:{r['sender']} host:{h['host']} "
                                         f"date:{d - timedelta(days=1)}..{d + timedelta(days=1)}T00:00:00"],
                                   sender=r["sender"], host=h["host"], since=d - timedelta(days=1),
                                   until=d + timedelta(days=1)))
        dom = rng.choice(rcpt_domains)
        # recipients only: to=<x@dom>, orig_to=<x@dom>, and Sendmail's to=<a@x>,<x@dom>
        q["domain"].append(dict(args=["-t", "@" + dom], regex="(to=|,)<[^<>]*@" + re.escape(dom) + ">"))
        r = rng.choice([x for x in sample if x["message_id"]])
        q["msgid"].append(dict(args=["-i", r["message_id"]], pattern=r["message_id"]))
        r, h = rng.choice(hops)
        q["qid"].append(dict(args=["-q", h["queue_id"]], qid=h["queue_id"]))
        d = rng.choice(days)
        q["deferred"].append(dict(args=["--status", "deferred", "-d", f"{d}", "-D", f"{d} 23:59:59"], day=d))
        p = PHRASES[i % len(PHRASES)]
        q["text"].append(dict(args=["--text", f'"{p}"'], pattern=p))
    return q


def run_cli(mxtrace, db, args):
    t0 = time.perf_counter()
    p = subprocess.run([mxtrace, "search", "--db", db, "--utc"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        sys.exit(f"mxtrace search {' '.join(args)} failed: {p.stderr.decode()}")
    return dt, p.stdout.count(b"\ntransaction: ") + p.stdout.startswith(b"transaction: ")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def line_day(line):
    """Date of a log line (RFC 3339 or classic; classic lines get the year of --year)."""
    if line[:4].isdigit():
        return date(int(line[0:4]), int(line[5:7]), int(line[8:10]))
    return date(YEAR, MONTHS[line[0:3].decode()], int(line[4:6]))


def rg(patterns, files, fixed=True, word=False):
    """Lines of `files` (compressed or not) that match any of `patterns`."""
    if not files:
        return []
    cmd = ["rg", "-z", "--no-filename", "--no-line-number", "--no-config"]
    if fixed:
        cmd.append("-F")
    if word:
        cmd.append("-w")
    if len(patterns) > 50:  # many queue IDs: a pattern file, as an admin would do
        pf = os.path.join(TMP, "patterns")
        with open(pf, "w") as f:
            f.write("\n".join(patterns) + "\n")
        cmd += ["-f", pf]
    else:
        for p in patterns:
            cmd += ["-e", p]
    p = subprocess.run(cmd + ["--"] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode not in (0, 1):
        sys.exit(f"rg failed ({p.returncode}): {' '.join(cmd[:8])} ...")
    return p.stdout.splitlines()


def rg_way(kind, q, files_by_host):
    """The admin's way: first pass for the value, second pass for the queue IDs found."""
    all_files = [f for fs in files_by_host.values() for f in fs]
    t0 = time.perf_counter()
    files = all_files
    if kind in ("classic", "classic_q"):
        files = files_by_host[q["host"]]
        lines = [l for l in rg([q["sender"]], files) if q["since"] <= line_day(l) <= q["until"]]
    elif kind == "qid":
        lines = rg([q["qid"]], files, word=True)
        return time.perf_counter() - t0, len(lines)
    elif kind == "deferred":
        lines = [l for l in rg(["status=deferred", "stat=Deferred"], files) if line_day(l) == q["day"]]
    elif kind == "domain":
        lines = rg([q["regex"]], files, fixed=False)
    else:
        lines = rg([q["pattern"]], files)
    qids = sorted({m.group(1) for l in lines for m in [QID_RE.search(l)] if m})
    if not qids:
        return time.perf_counter() - t0, 0
    # second pass: fixed strings (rg's fast multi-literal search; -w with thousands of
    # literals falls back to a slow regex), then keep the lines of exactly those queue IDs
    wanted = set(qids)
    out = [l for l in rg([q.decode() for q in qids], files) for m in [QID_RE.search(l)] if m and m.group(1) in wanted]
    return time.perf_counter() - t0, len(out)


def main():
    global YEAR, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--mxtrace", required=True)
    ap.add_argument("--query-bench")
    ap.add_argument("--data", required=True, help="directory with HOST/mail.log* (the indexed files)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--rg-n", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--year", type=int, default=2024)
    a = ap.parse_args()
    YEAR = a.year
    TMP = os.path.dirname(os.path.abspath(a.out))
    rng = random.Random(a.seed)
    files_by_host = {}
    for h in sorted(os.listdir(a.data)):
        d = os.path.join(a.data, h)
        if os.path.isdir(d):
            fs = [f for f in os.listdir(d) if f.startswith("mail.log")]
            key = lambda f: -int(f.split(".")[2]) if f.count(".") >= 2 else (-1 if f.endswith(".1") else 0)
            files_by_host[h] = [os.path.join(d, f) for f in sorted(fs, key=key)]
    sample = sample_truth(a.truth, 20000, rng)
    queries = pick_queries(sample, a.n, rng)
    result = {"n": a.n, "rg_n": a.rg_n, "kinds": {}}
    qfile = os.path.join(TMP, "queries.tsv")
    with open(qfile, "w") as f:
        for kind, qs in queries.items():
            for q in qs:
                args, kv = q["args"], []
                i = 0
                while i < len(args):
                    if not args[i].startswith("-"):  # the query string
                        kv.append(f"query={args[i]}")
                        i += 1
                        continue
                    flag, val = args[i], args[i + 1]
                    i += 2
                    key = {"-f": "from", "-t": "to", "-i": "msgid", "-h": "host", "-q": "qid", "--status": "status",
                           "--text": "text", "-d": "since", "-D": "until", "-r": "max"}[flag]
                    kv.append(f"{key}={val}")
                f.write(kind + "\t" + "\t".join(kv) + "\n")
    for kind, qs in queries.items():
        for q in qs:  # warm
            run_cli(a.mxtrace, a.db, q["args"])
        times, hits = [], []
        for q in qs:
            dt, n = run_cli(a.mxtrace, a.db, q["args"])
            times.append(dt * 1000)
            hits.append(n)
        rg_times, rg_lines = [], []
        for q in qs[: a.rg_n]:
            dt, n = rg_way(kind, q, files_by_host)
            rg_times.append(dt * 1000)
            rg_lines.append(n)
        k = {"example": "mxtrace search " + " ".join(qs[0]["args"]),
             "cli_median_ms": statistics.median(times), "cli_p99_ms": pct(times, 0.99),
             "mean_results": sum(hits) / len(hits), "rg_queries": len(rg_times)}
        if rg_times:
            k["rg_median_ms"] = statistics.median(rg_times)
            k["rg_mean_lines"] = sum(rg_lines) / len(rg_lines)
            k["ratio_rg_over_cli"] = k["rg_median_ms"] / k["cli_median_ms"]
        result["kinds"][kind] = k
        print(f"  {kind:<9} cli median {k['cli_median_ms']:8.2f} ms  p99 {k['cli_p99_ms']:8.2f} ms"
              + (f"  rg {k['rg_median_ms']:10.1f} ms  x{k['ratio_rg_over_cli']:.0f}" if rg_times else ""), flush=True)
    if a.query_bench:
        p = subprocess.run([a.query_bench, "--db", a.db, qfile], stdout=subprocess.PIPE, check=True)
        for line in p.stdout.decode().splitlines():
            r = json.loads(line)
            k = result["kinds"][r["kind"]]
            k["inproc_median_ms"] = r["median_ms"]
            k["inproc_p99_ms"] = r["p99_ms"]
            if "rg_median_ms" in k and r["median_ms"] > 0:
                k["ratio_rg_over_inproc"] = k["rg_median_ms"] / r["median_ms"]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, default=str)


if __name__ == "__main__":
    main()
