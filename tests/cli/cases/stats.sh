# mxtrace stats over a small fixture (content filter round trip, deferrals, forward, bounces, a
# notification, a milter reject, a headless deferral, an escape sequence in a reply), over the
# bundled sample chain (Postfix, Sendmail, Exim; pre-queue reject records, postscreen verdicts)
# and over the tail fixtures (held, discarded, removed, verification probes, filter verdicts).
"$MXTRACE" index --db "$DB" -y 2011 --retention 0 --quiet "$FIXTURES/stats.log"
echo "== text, UTC"
"$MXTRACE" stats --db "$DB" --utc
echo "exit $?"
echo "== text in another zone (hours and days move)"
TZ=America/New_York "$MXTRACE" stats --db "$DB" --top 2 | sed -n '/^Per hour/,/^$/p' | grep -vE '^(0[6-9]|1[0-9]|2[0-1])  +0 +0 +0 +0 +0$'
echo "== json, --top 1"
"$MXTRACE" stats --db "$DB" --format json --top 1
echo "== csv tables"
for t in summary deferral_reasons bounce_reasons delays deferred_longest; do
  echo "-- $t"
  "$MXTRACE" stats --db "$DB" --format csv --table "$t" | cat -A
done
echo "== selection: a query and a flag"
"$MXTRACE" stats --db "$DB" --utc --status bounced from:root@mx.example.net | sed -n '1,/^Per hour/p'
echo "== nothing matches: zero counts, exit 1"
"$MXTRACE" stats --db "$DB" -h nosuchhost --format csv
echo "exit $?"
echo "== usage errors"
"$MXTRACE" stats --db "$DB" --format csv --table nosuch
echo "exit $?"
"$MXTRACE" stats --db "$DB" --table delays
echo "exit $?"
"$MXTRACE" stats --db "$DB" -r 5
echo "exit $?"
echo "== the sample chain: Postfix, Sendmail and Exim"
L="$EXAMPLES/logs"
"$MXTRACE" index --db "$WORK/db2" --tz UTC --retention 0 --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log \
  "$L"/mx2/mail.log "$L"/hub/maillog --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog
"$MXTRACE" stats --db "$WORK/db2" --utc --top 5
echo "exit $?"
echo "== held, discarded, removed, verification probes, filter verdicts (the tail fixtures)"
"$MXTRACE" index --db "$WORK/db3" --retention 0 -y 2011 --quiet "$FIXTURES/tail-postfix.log" "$FIXTURES/tail-sendmail.log"
"$MXTRACE" stats --db "$WORK/db3" --format csv
"$MXTRACE" stats --db "$WORK/db3" --format csv --table filter_verdicts
"$MXTRACE" stats --db "$WORK/db3" --format csv --table reject_reasons
echo "== rejects only (--status rejected): reject records and queued rejects; postscreen verdicts apart"
"$MXTRACE" stats --db "$WORK/db2" --utc --status rejected | sed -n '/^Summary/,/^bytes delivered/p;/^Top rejected/,/^Delivery/p'
