#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The comparison table of the ClickHouse engine: searches drawn from the generator's ground
truth (truth.jsonl) and its logs, each run against the local index and against the server, whose
whole outputs (stdout, exit status, and whether -r cut the matches: the count line's N) must be
equal.

Usage: compare.py --mx MXTRACE --db DB --url URL --database NAME --truth truth.jsonl --logs DIR
                  [--seed N] [--n N] [--work DIR] [--list]
Prints one line per difference and a summary; exit 1 if any search differs (or was refused), 0
otherwise. --list prints the table only.
"""
import argparse
import json
import random
import re
import subprocess
import sys
import time
from datetime import datetime, timezone


def utc(us, fmt="%Y-%m-%dT%H:%M:%SZ"):
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime(fmt)


def table(truth, logs, seed, n):
    rnd = random.Random(seed)
    msgs = [json.loads(line) for line in open(truth)]
    hops = [h for m in msgs for h in m["hops"]]
    senders = [m["sender"] for m in msgs if m.get("sender")]
    rcpts = [r for m in msgs for r in m["recipients"]]
    mids = [m["message_id"] for m in msgs if m.get("message_id")]
    # relays and clients as the logs name them (the truth has neither)
    relays, clients = set(), set()
    for host in ("mx1", "mx2", "mbox", "smtp"):
        with open(f"{logs}/{host}/mail.log", "rb") as f:
            text = f.read(4 << 20).decode("utf-8", "replace")
        for m in re.finditer(r"relay=([^,\s\[]+)\.? ?\[([0-9.]+)\]", text):
            relays.update([m.group(1).rstrip("."), m.group(2)])
        for m in re.finditer(r"client=([^\[\s,]+)\[([0-9a-fA-F:.]+)\]", text):
            clients.update([m.group(1), m.group(2)])
    relays, clients = sorted(relays), sorted(clients)
    t_lo = min(h["first_us"] for h in hops)
    t_hi = max(h["last_us"] for h in hops)
    day = 86400 * 10**6

    def pick(xs, k):
        return rnd.sample(xs, min(k, len(xs)))

    def window():
        a = rnd.randrange(t_lo, t_hi)
        return utc(a), utc(a + rnd.choice([60, 600, 3600, 6 * 3600]) * 10**6)

    s = []
    s += [[]]  # everything: the newest 200
    s += [["-r", "1"], ["-r", "7"], ["-r", "1000", "--format", "csv"], ["-r", "5000", "--format", "json"]]
    for x in pick(senders, n):
        s.append(["-f", x])
    for x in pick(senders, n // 3):
        s.append(["-f", x.upper(), "-r", "3", "--format", "json"])
    for x in pick(sorted({a.split("@")[-1] for a in senders}), n // 3):
        s.append(["-f", "@" + x, "-r", "50"])
    s.append(["-f", "<>", "-r", "300"])
    for x in pick(rcpts, n):
        s.append(["-t", x])
    for x in pick(sorted({a.split("@")[-1] for a in rcpts}), n // 3):
        s.append(["-t", "@" + x, "-r", "40", "--format", "csv"])
    for x in pick(mids, n):
        s.append(["-i", x])
    for x in pick(mids, n // 4):
        s.append(["-i", "<" + x + ">", "--format", "json"])
    for h in pick(hops, n):
        s.append(["-q", h["queue_id"]])
    for h in pick(hops, n // 3):
        s.append(["-q", h["queue_id"], "-h", h["host"].upper(), "--format", "csv"])
    for st in ("sent", "deferred", "bounced", "expired", "rejected", "held", "discarded"):
        s.append(["--status", st, "-r", "100"])
    s.append(["--status", "expired", "-r", "100000", "--format", "csv"])
    s.append(["--status", "bounced", "-r", "3000", "--format", "json"])
    for h in ("mx1", "mx2", "mbox", "SMTP"):
        s.append(["-h", h, "-r", "25"])
    for x in pick(relays, n // 3):
        s.append(["--relay", x, "-r", "20"])
    for x in pick(clients, n // 3):
        s.append(["-c", x, "-r", "20"])
    for _ in range(n // 2):
        a, b = window()
        s.append(["-d", a, "-D", b, "-r", "100000", "--format", "csv", "--fields", "time,host,queue_id,sender,recipient,status"])
    for _ in range(n // 4):
        a, b = window()
        s.append(["-d", a, "-D", b, "-r", str(rnd.choice([1, 10, 100]))])
    # combinations
    for m in pick(msgs, n // 2):
        h = rnd.choice(m["hops"])
        a = utc(h["first_us"] - day, "%Y-%m-%d")
        b = utc(h["first_us"] + day, "%Y-%m-%d")
        if m.get("sender"):
            s.append(["-f", m["sender"], "-h", h["host"], "-d", a, "-D", b, "-r", "10"])
        if m["recipients"]:
            s.append(["-t", rnd.choice(m["recipients"]), "--status", rnd.choice(["sent", "bounced", "deferred"]), "-d", a])
    for x in pick(senders, n // 4):
        s.append(["-f", x, "-t", "@corp.example", "--format", "json"])
    # free text: the words of deferral and bounce texts (Xapian's words, no stemming)
    for words in ("Connection refused", "timed out", "Name service error", "try again later", "User unknown",
                  "connect", "4.7.1", "refused timed", "TIMED OUT"):
        s.append(["--text", words, "-r", str(rnd.choice([5, 50, 500]))])
    s.append(["--text", "timed out", "-h", "mx1", "--status", "deferred", "--format", "csv"])
    s.append(["--text", "unknown", "--format", "json", "-r", "100"])
    s.append(["-f", "nobody@nowhere.example"])
    s.append(["-h", "mx1", "--relay", "127.0.0.1", "-r", "100", "--utc"])
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mx", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    searches = table(a.truth, a.logs, a.seed, a.n)
    if a.list:
        for x in searches:
            print(json.dumps(x))
        return 0
    local = [a.mx, "search", "--db", a.db, "--color", "never"]
    remote = [a.mx, "search", "--engine", "clickhouse", "--url", a.url, "--database", a.database, "--color", "never"]
    about = re.compile(r"^mxtrace: showed the (\d+) newest of about (\d+) matching")
    diffs = 0
    lines = matched = 0
    tl = tr = 0.0
    for args in searches:
        t0 = time.monotonic()
        lo = subprocess.run(local + args, capture_output=True)
        t1 = time.monotonic()
        ro = subprocess.run(remote + args, capture_output=True)
        tl += t1 - t0
        tr += time.monotonic() - t1
        why = []
        if lo.returncode != ro.returncode:
            why.append(f"exit {lo.returncode} (local) vs {ro.returncode} (clickhouse)")
        if lo.returncode not in (0, 1):
            why.append("local error: " + lo.stderr.decode("utf-8", "replace")[:200])
        if lo.stdout != ro.stdout:
            ll, rl = lo.stdout.splitlines(), ro.stdout.splitlines()
            first = next((i for i in range(min(len(ll), len(rl))) if ll[i] != rl[i]), min(len(ll), len(rl)))
            show = lambda xs: xs[first].decode("utf-8", "replace")[:160] if first < len(xs) else "(end)"
            why.append(f"stdout differs at line {first + 1} of {len(ll)}/{len(rl)}: local {show(ll)!r} clickhouse {show(rl)!r}")
        # the count line "showed the N newest of about M matching": there in both or in neither,
        # with the same N; M is Xapian's estimate locally (rounded), exact on the server, and
        # both are over N
        lm = [about.match(x) for x in lo.stderr.decode("utf-8", "replace").splitlines()]
        rm = [about.match(x) for x in ro.stderr.decode("utf-8", "replace").splitlines()]
        lm, rm = [m for m in lm if m], [m for m in rm if m]
        if bool(lm) != bool(rm) or (lm and lm[0].group(1) != rm[0].group(1)):
            why.append(f"count line: local {lm[0].group(0) if lm else None!r}, clickhouse {rm[0].group(0) if rm else None!r}")
        if why:
            diffs += 1
            print(f"DIFF search {' '.join(args)!r}: " + "; ".join(why))
        else:
            lines += lo.stdout.count(b"\n")
            matched += lo.returncode == 0
    print(f"compared {len(searches)} searches ({matched} with matches, {lines} output lines in all): "
          f"{len(searches) - diffs} equal, {diffs} different; local {tl:.1f} s, clickhouse {tr:.1f} s")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
