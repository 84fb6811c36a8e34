#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares `mxtrace trace --format json` over the generated logs with the generator's truth.

usage: check_trace.py TRUTH_JSONL TRACES_JSONL

Every truth message (its hops: host + queue ID on each server it crossed, content filter loops
included) must lie in exactly one trace, linked (not ambiguous, not missing), and a trace may hold
one message plus the notifications (bounces, DSNs: truth records with a "parent") about it,
never two unrelated messages.
Prints a summary and the first differences; exits 1 if there is any.
"""
import json
import sys
from collections import Counter


def walk(node, out, states):
    t = node["transaction"]
    out.add((t["host"], t["queue_id"]))
    for h in node["hops"]:
        states[(h["kind"], h["state"])] += 1
        if h["state"] == "linked":
            for c in h["next"]:
                walk(c, out, states)


def main():
    truth = [json.loads(line) for line in open(sys.argv[1])]
    states = Counter()
    tree_of = {}
    trees = []
    for i, line in enumerate(open(sys.argv[2])):
        nodes = set()
        walk(json.loads(line)["root"], nodes, states)
        trees.append(nodes)
        for k in nodes:
            tree_of.setdefault(k, []).append(i)
    errors = []
    message_of = {}
    for m in truth:
        hops = [(h["host"], h["queue_id"]) for h in m["hops"]]
        for h in hops:
            message_of[h] = m
        where = {tuple(tree_of.get(h, [])) for h in hops}
        if len(where) != 1 or len(next(iter(where))) != 1:
            errors.append(f"message {m['id']} ({m['kind']}): hops {hops} are in traces {sorted(where)}")
    for i, nodes in enumerate(trees):
        ms = {message_of[k]["id"]: message_of[k] for k in nodes if k in message_of}
        roots = sorted(mid for mid, m in ms.items() if "parent" not in m)
        if len(roots) > 1:
            errors.append(f"trace {i} joins unrelated messages {roots}")
        for mid, m in ms.items():  # a notification sits in the trace of the message it is about
            if "parent" in m and m["parent"] not in ms:
                errors.append(f"trace {i}: notification {mid} without its message {m['parent']}")
    multi = sum(1 for m in truth if len(m["hops"]) > 1)
    print(f"{len(truth)} messages ({multi} with several hops), {len(trees)} traces; hops by kind and state: "
          + ", ".join(f"{k}/{s} {n}" for (k, s), n in sorted(states.items())))
    for e in errors[:10]:
        print("DIFF:", e)
    if errors:
        print(f"{len(errors)} differences")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
