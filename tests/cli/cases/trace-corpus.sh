# On the real postfix-logsums log (amavis content filter at 127.0.0.1:10024 and :10026, re-injection at :10025),
# every message that went through the filter traces to both of its queue IDs. The expected pairs
# (first queue ID, re-injected queue ID) are counted from the raw lines with awk, not by mxtrace.
G="$CORPUS/postfix-logsums/mail.log.gz"
if [ ! -f "$G" ]; then
  echo "SKIP: $G not found (the shared corpus sits beside the repository)"
  exit 77
fi
set -o pipefail
zcat "$G" | awk '/status=sent/ && /relay=127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+, / && /queued as / {
  q = $4; sub(/:$/, "", q); id = $NF; sub(/\)$/, "", id); print q, id }' | sort -u > raw
echo "filter hand-offs in the raw lines: $(wc -l < raw)"
"$MXTRACE" index --db "$DB" --retention 0 --quiet "$G"
# the pairs a trace shows: a linked loop hop from a transaction to the next
pairs() {
  python3 -c '
import json, sys
def walk(n, out):
    q = n["transaction"]["queue_id"]
    for h in n["hops"]:
        if h["kind"] == "loop" and h["state"] == "linked":
            out.add((q, h["next"][0]["transaction"]["queue_id"]))
        for c in h.get("next", []):
            walk(c, out)
out = set()
for line in sys.stdin:
    walk(json.loads(line)["root"], out)
for a, b in sorted(out):
    print(a, b)
'
}
# from the first queue IDs (relay 127.0.0.1) and from the re-injected ones (client 127.0.0.1)
"$MXTRACE" trace --db "$DB" --format json -r 1000000 --relay 127.0.0.1 | pairs | sort > from_first
"$MXTRACE" trace --db "$DB" --format json -r 1000000 -c 127.0.0.1 | pairs | sort > from_second
echo "traced from the first queue ID: $(wc -l < from_first)"
echo "traced from the re-injected queue ID: $(wc -l < from_second)"
diff raw from_first > /dev/null && echo "every filter hand-off traces to both queue IDs (from the first)"
diff raw from_second > /dev/null && echo "every filter hand-off traces to both queue IDs (from the second)"
diff raw from_first | head -5
