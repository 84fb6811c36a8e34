# Issue 11, case 1: the retention is the index's. Old copied logs are never recorded as read
# without being indexed; the run says how many it skipped and the command that indexes them,
# which works; a forensic index (--retention 0 on creation) keeps everything, also later.
msg() { # msg DAYS_AGO QID SENDER: one complete Postfix transaction, RFC 3339 times
  local t; t=$(date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%S)
  echo "$t.000001+00:00 mx9 postfix/smtpd[1]: $2: client=c.example.net[192.0.2.9]"
  echo "$t.000002+00:00 mx9 postfix/qmgr[2]: $2: from=<$3>, size=100, nrcpt=1 (queue active)"
  echo "$t.000003+00:00 mx9 postfix/smtp[3]: $2: to=<r@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"
  echo "$t.000004+00:00 mx9 postfix/qmgr[2]: $2: removed"
}
senders() { "$MXTRACE" search --db "$1" -r 100000 | grep '^from:' | sort | tr '\n' ' '; echo; }
mask() { sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' -e 's/^  [0-9]{4}-[0-9]{2}-[0-9]{2}  /  DAY  /'; }
{ msg 5 A0000000001 current1@foo.com; msg 1 A0000000002 current2@foo.com; } > current.log
{ msg 800 B0000000001 copied1@foo.com; msg 700 B0000000002 copied2@foo.com; } > "copied 2024.log"
{ msg 400 C0000000001 mixed-old@foo.com; msg 3 C0000000002 mixed-new@foo.com; } > mixed.log
echo "== a new index stores its retention (default 90 days)"
"$MXTRACE" index --db "$DB" --quiet current.log; echo "exit $?"
"$MXTRACE" info --db "$DB" | grep '^retention'
echo "== copied logs older than the window: skipped with a word and the command, exit 7, not recorded as read"
"$MXTRACE" index --db "$DB" "copied 2024.log" 2> err.txt; echo "exit $?"
grep -E 'older than|mxtrace: ' err.txt | mask
"$MXTRACE" info --db "$DB" | grep -A3 'copied 2024' | grep 'not indexed' | mask
echo "== some lines of an input too old: the others are indexed, exit 0"
"$MXTRACE" index --db "$DB" mixed.log 2>&1 | grep -E 'older than|warning' | mask; echo "exit ${PIPESTATUS[0]}"
senders "$DB"
echo "== --retention 0 on the existing index is refused: a run does not change the index's retention"
"$MXTRACE" index --db "$DB" --retention 0 "copied 2024.log"; echo "exit $?"
echo "== ... nor does a config file"
printf '[index]\nretention = 0\n' > conf
"$MXTRACE" --config conf index --db "$DB" --quiet "copied 2024.log"; echo "exit $?"
"$MXTRACE" info --db "$DB" | grep '^retention'
echo "== the command the warning named, run as printed"
cmd=$(grep -m1 'mxtrace: hint: to index them' err.txt | sed -e 's/^mxtrace: hint: to index them, make this index keep everything: //' -e 's/; or give them.*//')
echo "$cmd" | sed "s|$WORK|WORK|g"
cmd=${cmd//mxtrace /\"\$MXTRACE\" }
eval "$cmd" 2>&1 | grep -E 'retention|older|indexed before|transactions added'; echo "exit ${PIPESTATUS[0]}"
senders "$DB"
echo "== the mixed input is read again for its old line only (no duplicate)"
"$MXTRACE" index --db "$DB" mixed.log 2>&1 | grep -E 'indexed before|transactions (added|updated)'
"$MXTRACE" search --db "$DB" -f mixed-new@foo.com --format json | wc -l
echo "== later plain runs never prune what the retention-0 index holds"
"$MXTRACE" index --db "$DB" current.log 2>&1 | grep -E 'pruned|transactions added'; echo "exit ${PIPESTATUS[0]}"
senders "$DB"
"$MXTRACE" prune --db "$DB"
echo "== a forensic index from the start: --retention 0 on creation, kept by every later run"
"$MXTRACE" index --db forensic --retention 0 --quiet "copied 2024.log"; echo "exit $?"
"$MXTRACE" index --db forensic --quiet current.log; echo "exit $?"
"$MXTRACE" --config conf index --db forensic --quiet mixed.log; echo "exit $?"
"$MXTRACE" info --db forensic | grep '^retention'
senders forensic
echo "== changing it back is explicit, with a confirmation line"
"$MXTRACE" prune --db forensic --set-retention 30 --dry-run | sed "s|$WORK|WORK|g" | mask
"$MXTRACE" prune --db forensic --set-retention 30 | sed "s|$WORK|WORK|g" | mask
"$MXTRACE" info --db forensic | grep '^retention'
"$MXTRACE" prune --db forensic --set-retention 30 --retention 5; echo "exit $?"
