# Retention: the window is measured back from min(now, newest time in the index). Current logs
# lose what is older than the window; old copied logs are kept whole; a line from the future
# cannot wipe the index.
msg() { # msg DAYS_AGO QID SENDER: one complete Postfix transaction, RFC 3339 times
  local t; t=$(date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%S)
  echo "$t.000001+00:00 mx9 postfix/smtpd[1]: $2: client=c.example.net[192.0.2.9]"
  echo "$t.000002+00:00 mx9 postfix/qmgr[2]: $2: from=<$3>, size=100, nrcpt=1 (queue active)"
  echo "$t.000003+00:00 mx9 postfix/smtp[3]: $2: to=<r@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"
  echo "$t.000004+00:00 mx9 postfix/qmgr[2]: $2: removed"
}
count() { "$MXTRACE" search --db "$1" -r 100000 --format json | wc -l; }
{ msg 120 A0000000001 old1@foo.com; msg 95 A0000000002 old2@foo.com; msg 60 A0000000003 mid@foo.com; msg 1 A0000000004 new@foo.com; } > current.log
{ msg 200 B0000000001 older@foo.com; msg 100 B0000000002 old@foo.com; } > older.log
echo "== current logs, default 90 days: read in one run, the two old ones are pruned at its end"
"$MXTRACE" index --db "$DB" current.log 2>&1 | grep -E 'transactions added|pruned' | sed -E 's/before [0-9T:.Z-]+/before CUTOFF/'
count "$DB"
echo "== a later run with older lines: they are not indexed"
"$MXTRACE" index --db "$DB" older.log 2>&1 | grep -E 'lines read|older than|transactions added' | sed -E 's/before [0-9T:.Z-]+/before CUTOFF/'
count "$DB"
echo "== prune --dry-run with 30 days, then for real"
"$MXTRACE" prune --db "$DB" --retention 30 --dry-run | grep -E '^would' | sed -E 's/before [0-9T:.Z-]+/before CUTOFF/'
"$MXTRACE" prune --db "$DB" --retention 30 | grep -E '^removed' | sed -E 's/before [0-9T:.Z-]+/before CUTOFF/'
"$MXTRACE" search --db "$DB" -r 10 | grep '^from:'
echo "== old copied logs (2011): measured from their newest line, nothing is lost"
"$MXTRACE" index --db old --tz UTC -y 2011 "$EXAMPLES"/logs/smtp/maillog 2>&1 | grep -E 'older than|transactions added|pruned'
"$MXTRACE" prune --db old | tail -n +2
echo "== a line from 2099 cannot wipe the index: the window ends now"
{ msg 10 C0000000001 a@foo.com; echo "2099-01-01T00:00:00+00:00 mx9 postfix/qmgr[2]: C0000000002: from=<future@foo.com>, size=1, nrcpt=1 (queue active)"; } > future.log
"$MXTRACE" index --db fut future.log 2>&1 | grep -E 'transactions added|pruned'
"$MXTRACE" prune --db fut --retention 30 | grep -E '^removed' | sed -E 's/before [0-9T:.Z-]+/before CUTOFF/'
count fut
echo "== retention 0 keeps everything"
"$MXTRACE" index --db all --retention 0 --quiet older.log current.log
count all
echo "== prune never creates an index"
"$MXTRACE" prune --db none; echo "exit $?"; [ -e none ] || echo "no index created"
