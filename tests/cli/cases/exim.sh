# Exim, both forms (tests/cli/fixtures/exim-mainlog and exim-syslog.log hold the same events):
# a main log is refused without --host and read with it; the syslog form joins the "[i/n]"
# pieces; both give the same transactions (deliveries, a deferral then a delivery, a bounce and
# the bounce message linked to its parent, a pre-queue reject).
echo "== main log without --host"
"$MXTRACE" index --db "$DB" --retention 0 "$FIXTURES/exim-mainlog"; echo "exit $?"
echo "== main log with --host mx1"
"$MXTRACE" index --db "$DB" --retention 0 --host mx1 "$FIXTURES/exim-mainlog" 2>&1; echo "exit $?"
"$MXTRACE" search --db "$DB" > main.txt; echo "exit $?"
cat main.txt
echo "== bounced, deferred, mta:exim, the bounce's parent"
"$MXTRACE" search --db "$DB" --status bounced --format csv --fields queue_id,recipient,status,dsn
"$MXTRACE" search --db "$DB" --status deferred --format csv --fields queue_id,recipient,status,relay
"$MXTRACE" search --db "$DB" mta:exim sasl:alice --format csv --fields queue_id,mta,sasl_username,notification_queue_id
echo "== the main log again: nothing new"
"$MXTRACE" index --db "$DB" --retention 0 --host mx1 "$FIXTURES/exim-mainlog" 2>&1 | grep -E '^(lines read|already read|transactions)'
echo "== syslog form, with pieces"
"$MXTRACE" index --db "$WORK/db2" --retention 0 -y 2024 "$FIXTURES/exim-syslog.log" 2>&1; echo "exit $?"
"$MXTRACE" search --db "$WORK/db2" > syslog.txt
diff main.txt syslog.txt && echo "same transactions in both forms"
echo "== the host by path: --host-for and the config key; the first matching glob wins over --host"
cp "$FIXTURES/exim-mainlog" mainlog
"$MXTRACE" index --db "$WORK/db3" --retention 0 --quiet --host other --host-for '/nowhere/*=nope' --host-for '*/mainlog=mx1' mainlog; echo "exit $?"
"$MXTRACE" search --db "$WORK/db3" > byglob.txt
diff main.txt byglob.txt && echo "same transactions, host mx1"
printf '[index]\nhost-for = ["*/mainlog=gw"]\n' > conf
"$MXTRACE" --config conf index --db "$WORK/db4" --retention 0 --quiet mainlog; echo "exit $?"
"$MXTRACE" search --db "$WORK/db4" --format csv --fields host | sort | uniq -c
"$MXTRACE" index --db "$WORK/db5" --host-for mx1 mainlog; echo "exit $?"
echo "== syslog pieces split by the end of a run, or by a rotation, are joined all the same"
S="$FIXTURES/exim-syslog.log"
json() { "$MXTRACE" search --db "$1" -r 1000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
json "$WORK/db2" > whole.json
head -2 "$S" > live.log
"$MXTRACE" index --db "$WORK/db6" --retention 0 -y 2024 --quiet live.log; echo "exit $?"
cat "$S" > live.log
"$MXTRACE" index --db "$WORK/db6" --retention 0 -y 2024 live.log 2>&1 | grep -E 'unparsed|pieces'
json "$WORK/db6" | cmp -s - whole.json && echo "run split after a first piece: same transactions as one run"
head -6 "$S" > rot.log.1; tail -n +7 "$S" > rot.log
"$MXTRACE" index --db "$WORK/db7" --retention 0 -y 2024 rot.log.1 rot.log 2>&1 | grep -E 'unparsed|pieces'
json "$WORK/db7" | cmp -s - whole.json && echo "log rotated between pieces: same transactions as one file"
