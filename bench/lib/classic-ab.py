#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Interleaved A/B of the classic search through the CLI (issue 9: "the classic search is as fast
as before, with the query-language form of the same search beside it").

usage: classic-ab.py QUERIES_TSV BIN_BEFORE DB_BEFORE BIN_AFTER DB_AFTER

QUERIES_TSV is the queries.tsv that bench/lib/queries.py writes (kinds classic and classic_q, the
same searches as flags and as a query string). Each round runs one classic query with BIN_BEFORE
(flags), the same with BIN_AFTER (flags), and its query form with BIN_AFTER, one after the other,
so that the load of the machine falls alike on the three; a first round warms the caches and is
not counted. Prints the median and p90 latency and the total results of each.
"""
import statistics
import subprocess
import sys
import time


def args_of(kv):
    a = []
    for x in kv:
        k, v = x.split("=", 1)
        if k == "query":
            a.append(v)
        else:
            a += [{"from": "-f", "host": "-h", "since": "-d", "until": "-D", "max": "-r"}[k], v]
    return a


def run(binary, db, args):
    t0 = time.perf_counter()
    p = subprocess.run([binary, "search", "--db", db, "--utc"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        sys.exit(f"{binary} search {' '.join(args)} failed: {p.stderr.decode()}")
    return (time.perf_counter() - t0) * 1000, p.stdout.count(b"transaction: ")


def main():
    tsv, bin_a, db_a, bin_b, db_b = sys.argv[1:6]
    rows = [l.rstrip("\n").split("\t") for l in open(tsv)]
    classic = [args_of(r[1:]) for r in rows if r[0] == "classic"]
    classic_q = [args_of(r[1:]) for r in rows if r[0] == "classic_q"]
    runs = {"before, flags": [], "after, flags": [], "after, query": []}
    hits = {k: 0 for k in runs}
    for rnd in range(2):
        for c, q in zip(classic, classic_q):
            for name, b, db, a in (("before, flags", bin_a, db_a, c), ("after, flags", bin_b, db_b, c),
                                   ("after, query", bin_b, db_b, q)):
                dt, n = run(b, db, a)
                if rnd == 1:
                    runs[name].append(dt)
                    hits[name] += n
    for k, v in runs.items():
        v.sort()
        print(f"{k:<14} median {statistics.median(v):6.2f} ms  p90 {v[int(0.9 * (len(v) - 1))]:6.2f} ms  results {hits[k]}")


if __name__ == "__main__":
    main()
