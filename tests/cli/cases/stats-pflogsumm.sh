# mxtrace stats beside Debian's pflogsumm over the same real Postfix log (postfix-logsums, with an
# amavis content filter): grand totals and the complete sender and recipient lists are equal, or
# differ by an adjustment computed here from the raw lines (never from mxtrace's output):
#   received   pflogsumm counts every smtpd client= / pickup line, so a message re-injected by the
#              content filter is received twice; mxtrace counts it once.
#              adjustment: smtpd client= lines from 127.0.0.1 whose queue ID a filter hand-off names.
#   delivered  pflogsumm counts every status=sent line, the hand-off to the filter too; mxtrace
#              does not count hand-offs (relay 127.0.0.1, reply "queued as ID") as deliveries.
#              adjustment: those hand-off lines.
#   rejected   pflogsumm counts a message per reject line: smtpd/postscreen "ID: reject:" (NOQUEUE
#              or a queue ID) and cleanup "reject:"/"milter-reject:" of header/body/END-OF-MESSAGE;
#              mxtrace counts a message per reject record (pre-queue reject) plus a message per
#              queued message with a rejected recipient. postscreen's PREGREET/DNSBL verdicts are
#              not rejects for either (mxtrace counts them on their own row, checked against the
#              lines below).
#              adjustment: minus smtpd "NOQUEUE: milter-reject:" lines, which pflogsumm's pattern
#              (reject right after the queue ID) does not count and mxtrace does.
#   senders    pflogsumm counts a sender per received message (re-injections too).
#              adjustment per sender: the re-injected queue IDs with that sender.
#   recipients pflogsumm counts a recipient per status=sent line (hand-offs too).
#              adjustment per recipient: the hand-off lines to that recipient.
G="$CORPUS/postfix-logsums/mail.log.gz"
if [ ! -f "$G" ]; then
  echo "SKIP: $G not found (the shared corpus sits beside the repository)"
  exit 77
fi
if ! command -v pflogsumm >/dev/null; then
  echo "SKIP: pflogsumm is not installed (scripts/deps installs it: apt-get install pflogsumm)"
  exit 77
fi
set -o pipefail
zcat "$G" | pflogsumm -u 100000 -h 0 --problems_first > pflogsumm.txt || { echo "pflogsumm failed"; exit 1; }
"$MXTRACE" index --db "$DB" --retention 0 --quiet "$G" || exit 1
"$MXTRACE" stats --db "$DB" --format json --top 100000 > stats.json || exit 1
zcat "$G" > mail.log
python3 - <<'PY'
import json, re, sys

# --- pflogsumm's report
pf = open("pflogsumm.txt").read()
def total(word):
    m = re.search(r"^\s+(\d+)\s+" + word + r"\b", pf, re.M)
    return int(m.group(1))
def user_list(title):
    m = re.search(r"top \d+ " + title + r" by message count\n-+\n(.*?)\n\n", pf, re.S)
    out = {}
    for line in (m.group(1).splitlines() if m else []):
        n, addr = line.split(None, 1)
        out[addr] = int(n)
    return out
pfl = {w: total(w) for w in ("received", "delivered", "forwarded", "deferred", "bounced", "rejected")}
pf_senders = user_list("Senders")
pf_recipients = user_list("Recipients")

# --- mxtrace's report
st = json.load(open("stats.json"))
summary = {r["item"]: r for r in st["tables"]["summary"]}
mx = {
    "received": summary["received"]["messages"],
    "delivered": summary["delivered"]["recipients"],
    "forwarded": summary["forwarded"]["recipients"],
    "deferred": summary["deferred"]["messages"],
    "bounced": summary["bounced"]["recipients"],
    "rejected": summary["rejected"]["messages"],
}
mx_verdicts = summary["postscreen verdicts (not rejects)"]["messages"]
def fold(addr):  # pflogsumm's key: null sender "from=<>", domain part lower case
    if addr == "<>": return "from=<>"
    i = addr.rfind("@")
    return addr if i < 0 else addr[:i] + addr[i:].lower()
mx_senders = {fold(r["sender"]): r["messages"] for r in st["tables"]["senders"]}
mx_recipients = {fold(r["recipient"]): r["delivered"] for r in st["tables"]["recipients"]}

# --- adjustments, from the raw lines
qid_re = r"\]: ([0-9A-Za-z]+): "
handoff_ids, handoff_rcpt = set(), {}
client_local, sender_of, milter_noqueue, verdict_lines = set(), {}, 0, 0
handoffs = 0
for line in open("mail.log", errors="replace"):
    if "status=sent" in line and re.search(r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, ", line):
        m = re.search(r"queued as ([0-9A-Za-z]+)\)", line)
        if m:
            handoffs += 1
            handoff_ids.add(m.group(1))
            to = fold(re.search(r"to=<([^>]*)>", line).group(1))
            handoff_rcpt[to] = handoff_rcpt.get(to, 0) + 1
    elif re.search(r"postfix/smtpd\[\d+\]: [0-9A-Za-z]+: client=localhost\[127\.0\.0\.1\]", line):
        client_local.add(re.search(qid_re, line).group(1))
    elif re.search(r"postfix/qmgr\[\d+\]: [0-9A-Za-z]+: from=<[^>]*>, size=", line):
        q = re.search(qid_re, line).group(1)
        a = re.search(r"from=<([^>]*)>", line).group(1)
        sender_of.setdefault(q, fold(a) if a else "from=<>")
    if re.search(r"/smtpd\[\d+\]: NOQUEUE: milter-reject: ", line):
        milter_noqueue += 1
    if re.search(r"/postscreen\[\d+\]: (PREGREET \d+ after .* from \[|DNSBL rank \d+ for \[)", line):
        verdict_lines += 1
reinjected = client_local & handoff_ids
reinjected_by_sender = {}
for q in reinjected:
    s = sender_of.get(q)
    if s: reinjected_by_sender[s] = reinjected_by_sender.get(s, 0) + 1

adj = {"received": len(reinjected), "delivered": handoffs, "forwarded": 0, "deferred": 0, "bounced": 0,
       "rejected": -milter_noqueue}
why = {"received": "content filter re-injections", "delivered": "hand-offs to the content filter",
       "rejected": "smtpd NOQUEUE milter-rejects (not counted by pflogsumm)"}
bad = 0
print("grand totals: pflogsumm = mxtrace + adjustment")
for k in ("received", "delivered", "forwarded", "deferred", "bounced", "rejected"):
    ok = pfl[k] == mx[k] + adj[k]
    bad += not ok
    note = f" {'+' if adj[k] > 0 else '-'} {abs(adj[k])} {why[k]}" if adj[k] else ""
    print(f"  {k:10} {pfl[k]:5} = {mx[k]}{note}  {'ok' if ok else 'MISMATCH'}")

ok = mx_verdicts == verdict_lines
bad += not ok
print(f"postscreen verdicts (not in pflogsumm): {mx_verdicts} = {verdict_lines} PREGREET/DNSBL lines  "
      f"{'ok' if ok else 'MISMATCH'}")

def compare(name, pfd, mxd, adjd, what):
    global bad
    keys = sorted(set(pfd) | set(mxd) | set(adjd))
    wrong = [k for k in keys if pfd.get(k, 0) != mxd.get(k, 0) + adjd.get(k, 0)]
    adjusted = sum(1 for k in keys if adjd.get(k, 0))
    print(f"{name}: {len(pfd)} in pflogsumm, {len(mxd)} in mxtrace, {adjusted} adjusted by {what}, "
          f"{len(wrong)} not reconciled")
    for k in wrong[:10]:
        print(f"  {k!r}: pflogsumm {pfd.get(k, 0)}, mxtrace {mxd.get(k, 0)}, adjustment {adjd.get(k, 0)}")
    bad += len(wrong)
    top = sorted(pfd.items(), key=lambda x: (-x[1], x[0]))[:3]
    for k, n in top:
        print(f"  {n:4} {k}  (mxtrace {mxd.get(k, 0)} + {adjd.get(k, 0)})")
compare("senders", pf_senders, mx_senders, reinjected_by_sender, "re-injections")
compare("recipients", pf_recipients, mx_recipients, handoff_rcpt, "filter hand-offs")
print("reconciled exactly" if bad == 0 else f"{bad} differences not reconciled")
sys.exit(1 if bad else 0)
PY
