# The long tail of Postfix and Sendmail lines (issue 10, parts 3 and 5), over
# tests/cli/fixtures/tail-*: hold then release, postsuper hold and delete, discard, milter-hold,
# a client lost during DATA, filter verdicts (opendkim, amavis, rspamd) as the verdict field, a
# before-queue proxy-accept, a syslog_name "postfix-out" with long queue IDs, status=expired with
# sender and postmaster notifications, address verification probes; Sendmail DSNs (two for one
# message, the second at queue return time), a command-line submission, quarantine, a premature
# EOM, check_relay; an Exim command-line submission.
"$MXTRACE" index --db "$DB" --retention 0 -y 2011 "$FIXTURES/tail-postfix.log" "$FIXTURES/tail-sendmail.log" 2>&1; echo "exit $?"
"$MXTRACE" index --db "$DB" --retention 0 --host mx1 "$FIXTURES/tail-exim-mainlog" 2>&1 | grep -E '^(lines read|transactions)'
echo "== every transaction"
"$MXTRACE" search --db "$DB" --utc -r 100
echo "== by status class"
for s in held discarded removed expired deliverable undeliverable; do
  echo "-- $s"
  "$MXTRACE" search --db "$DB" --status $s --format csv --fields host,queue_id,summary_status,recipient,status
done
echo "== verdicts"
"$MXTRACE" search --db "$DB" verdict:spam --format csv --fields queue_id,verdict
"$MXTRACE" search --db "$DB" verdict:rspamd --format csv --fields queue_id,verdict
"$MXTRACE" search --db "$DB" verdict:opendkim verdict:verified --format json
"$MXTRACE" search --db "$DB" verdict:clean; echo "exit $?"
echo "== the proxy-accept line is evidence of the message it names"
"$MXTRACE" show --db "$DB" A0320E00C3 2>&1 | grep -c proxy-accept
echo "== clients: the local user, the host behind an ident"
"$MXTRACE" search --db "$DB" --format csv --fields mta,queue_id,client_name,client_ip -r 100 | grep -E 'sendmail|exim'
"$MXTRACE" search --db "$DB" --client root@localhost --format csv --fields queue_id
echo "== Sendmail DSNs: two notifications of one message, each linked"
"$MXTRACE" search --db "$DB" -q pBAA00a1000100 --format csv --fields queue_id,notification_queue_id,summary_status
"$MXTRACE" trace --db "$DB" -q pBAA00a1000100 --utc
echo "== Postfix expired: both notifications"
"$MXTRACE" search --db "$DB" -q nVcQ4qCLfzz4jr --format csv --fields queue_id,notification_queue_id,summary_status
