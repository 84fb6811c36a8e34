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
echo "== ** and == lines: the error text after the fields' \": \", its DSN and SMTP code; no colon kept"
cat > failures <<'L'
2024-03-21 09:19:01 +0100 [1] 1rvHyL-000000001mA-0aKd ** bob@x.com R=dnslookup T=remote_smtp H=mx.x.com [198.51.100.2]: SMTP error from remote mail server after RCPT TO:<bob@x.com>: 550 5.1.1 User unknown
2024-03-21 09:19:02 +0100 [1] 1rvHyM-000000001mA-0aKd ** carol@x.com: Unrouteable address
2024-03-21 09:19:03 +0100 [1] 1rvHyJ-000000001mA-0aKd ** n@foo.com R=local_user T=local_delivery: Unrouteable address
2024-03-21 09:19:04 +0100 [1] 1rvHyK-000000001mA-0aKd ** d@x.com <list@x.com> R=dnslookup T=remote_smtp H=mx.x.com [198.51.100.2]:25 X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes DN="C=US, O=a: b": SMTP error from remote mail server after end of data: 552 5.3.4 Message too big
2024-03-21 09:19:05 +0100 [1] 1rvHyN-000000001mA-0aKd == e@x.com R=dnslookup T=remote_smtp defer (-44) H=mx.x.com [198.51.100.2]: SMTP error from remote mail server after RCPT TO:<e@x.com>: 451 4.7.1 Greylisted
2024-03-21 09:19:06 +0100 [1] 1rvHyO-000000001mA-0aKd == f@x.com R=dnslookup T=remote_smtp defer (111): Connection refused
2024-03-21 09:19:07 +0100 [1] 1rvHyP-000000001mA-0aKd == g@x.com routing defer (-51): retry time not reached
2024-03-21 09:19:08 +0100 [1] 1rvHyQ-000000001mA-0aKd ** h@x.com R=dnslookup T=remote_smtp:
L
"$MXTRACE" index --db "$WORK/db8" --retention 0 --host ex1 --quiet failures; echo "exit $?"
"$MXTRACE" search --db "$WORK/db8" --format csv --fields queue_id,recipient,relay,status,dsn,code,text | sort
