#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares an mxtrace index dump with the generator's ground truth.

usage: check_truth.py TRUTH_JSONL DUMP_JSONL

DUMP_JSONL is `mxtrace search -r 1000000 --format json` over the index of the generated logs.
Every hop of every truth record (a message on one host) must have a queue ID that encodes its
queue time as the MTA does, and be exactly one transaction with the same host, queue ID,
first-seen and last-seen time, the same sender (null = not logged, "" = <>), the
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


QID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"


def qid_error(hop):
    """Why the queue ID does not encode its time as the MTA would, or None.

    Sendmail: YMDhms (base 60, year - 1900 mod 60, month 0-based) of the queue time, two
    sequence characters, then a 6-digit pid; the queue time is at or a little before the first
    line. Postfix short IDs: the microseconds of the queue file's creation in 5 hex digits, then
    the inode number (checked where the first line has microseconds, i.e. RFC 3339 hosts).
    """
    q, first = hop["queue_id"], hop["first_us"]
    if hop["mta"] == "sendmail":
        if len(q) != 14 or not q[8:].isdigit() or any(c not in QID_CHARS for c in q[:8]):
            return "not YMDhmsNN + 6-digit pid"
        y, mo, d, h, mi, s = (QID_CHARS.index(c) for c in q[:6])
        t = datetime.fromtimestamp(first / 1e6, timezone.utc)
        for back in range(0, 6):  # the DSN's ID is made up to a few seconds before its first line
            u = datetime.fromtimestamp(first / 1e6 - back, timezone.utc)
            if ((u.year - 1900) % 60, u.month - 1, u.day, u.hour, u.minute, u.second) == (y, mo, d, h, mi, s):
                return None
        return f"encodes {(y, mo, d, h, mi, s)}, first line at {t.isoformat()}"
    if not (5 < len(q) <= 16 and all(c in "0123456789ABCDEF" for c in q)):
        return "not a short Postfix queue ID"
    if first % 1_000_000 and int(q[:5], 16) != first % 1_000_000:
        return f"microseconds {int(q[:5], 16)} but first line at .{first % 1_000_000:06d}"
    return None


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
                why = qid_error(hop)
                if why:
                    errors.append(f"{where}: queue ID {why}")
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
                    errors.append(f"{where}: last_time {t['last_time']}, truth {hop['last_us']}")
    # pre-queue reject records (queue ID NOQUEUE-..., issue 10) are not in the generator's truth,
    # which models queued messages only: they are counted, not compared
    rejects = [t for ts in index.values() for t in ts if t["queue_id"].startswith("NOQUEUE-")]
    extra = [t for ts in index.values() for t in ts if id(t) not in matched and not t["queue_id"].startswith("NOQUEUE-")]
    print(f"reject records (not compared with the truth): {len(rejects)}")
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
