#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares an mxtrace index dump with the generator's ground truth.

usage: check_truth.py TRUTH_JSONL DUMP_JSONL

DUMP_JSONL is `mxtrace search -r 1000000 --format json` over the index of the generated logs.
Every hop of every truth record (a message on one host) must be exactly one transaction with
the same host, queue ID and first-seen time, the same sender (null = not logged, "" = <>), the
same Message-ID, the same recipients and the same final status per recipient (the status of the
recipient's last attempt); and the index must hold no other transaction.
Prints the first differences and a summary; exits 1 if there is any.
"""
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone


def micros(rfc3339):
    """'2024-03-04T00:04:17.203421Z' -> microseconds since the epoch."""
    s = rfc3339.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    dt = datetime.strptime(s, fmt).replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def last_status(txn):
    """recipient -> status of its last attempt, in attempt (log) order."""
    out = {}
    for a in txn["attempts"]:
        out[a["recipient"]] = a["status"]
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    truth_path, dump_path = sys.argv[1:]
    index = defaultdict(list)  # (host, queue_id) -> [txn]
    n_txn = 0
    with open(dump_path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            index[(t["host"], t["queue_id"])].append(t)
            n_txn += 1

    errors = []
    kinds = Counter()
    hops = 0
    matched = set()
    with open(truth_path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            kinds[rec["kind"]] += 1
            for hop in rec["hops"]:
                hops += 1
                key = (hop["host"], hop["queue_id"])
                where = f"record {rec['id']} ({rec['kind']}) {hop['host']} {hop['queue_id']}"
                cands = [t for t in index.get(key, []) if micros(t["first_time"]) == hop["first_us"]]
                if len(cands) != 1:
                    seen = [t["first_time"] for t in index.get(key, [])]
                    errors.append(f"{where}: {len(cands)} transactions first seen at {hop['first_time']} (index has {seen})")
                    continue
                t = cands[0]
                matched.add(id(t))
                if t["sender"] != hop["sender"]:
                    errors.append(f"{where}: sender {t['sender']!r}, truth {hop['sender']!r}")
                if t["message_id"] != hop["message_id"]:
                    errors.append(f"{where}: message_id {t['message_id']!r}, truth {hop['message_id']!r}")
                got = last_status(t)
                if got != hop["recipients"]:
                    errors.append(f"{where}: recipients {got}, truth {hop['recipients']}")
                if t["notification_queue_id"] != hop["notification"]:
                    errors.append(f"{where}: notification {t['notification_queue_id']!r}, truth {hop['notification']!r}")
                if micros(t["last_time"]) != hop["last_us"]:
                    errors.append(f"{where}: last_time {t['last_time']}, truth {hop['last_time'] if 'last_time' in hop else hop['last_us']}")
    extra = [t for ts in index.values() for t in ts if id(t) not in matched]
    for t in extra[:10]:
        errors.append(f"index has a transaction the truth does not: {t['host']} {t['queue_id']} first {t['first_time']}")
    for e in errors[:40]:
        print(e)
    if len(errors) > 40:
        print(f"... and {len(errors) - 40} more")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(f"truth: {sum(kinds.values())} records ({summary}), {hops} hops; index: {n_txn} transactions; "
          f"{len(extra)} extra; {len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
