# every kind of line in one file: accounting summary and the unparsed listing
"$MXTRACE" index --db "$DB" -y 2011 --unparsed unparsed.txt "$FIXTURES/edge.log"
echo "exit $?"
cat unparsed.txt
# it holds raw log lines: created 0600, and made 0600 when it existed readable by others
stat -c '%a' unparsed.txt
umask 022; : > unparsed2.txt; chmod 644 unparsed2.txt
"$MXTRACE" index --db "$DB" -y 2011 --unparsed unparsed2.txt "$FIXTURES/edge.log" >/dev/null 2>&1
stat -c '%a' unparsed2.txt
echo "== --unparsed never overwrites an input or a file of the index"
cp "$FIXTURES"/edge.log self.log
before=$(md5sum < self.log)
"$MXTRACE" index --db uidx --tz UTC -y 2011 --unparsed self.log self.log; echo "exit $?"
[ "$(md5sum < self.log)" = "$before" ] && echo "the input is unchanged"
"$MXTRACE" index --db uidx --tz UTC -y 2011 --quiet --unparsed uidx/mxtrace.sqlite self.log; echo "exit $?"
"$MXTRACE" check --db uidx > /dev/null; echo "check exit $?"
echo "== --missing-ok: a missing rotated file is skipped in silence, all inputs missing is a warning"
"$MXTRACE" index --db uidx --tz UTC -y 2011 --quiet --missing-ok self.log self.log.1; echo "exit $?"
"$MXTRACE" index --db uidx --tz UTC -y 2011 --quiet --missing-ok mali.log mali.log.1; echo "exit $?"
echo "== another --tz on a later run over the same input is a warning"
head -5 "$FIXTURES"/edge.log > grow.log
"$MXTRACE" index --db zidx --tz UTC -y 2011 --quiet grow.log; echo "exit $?"
cat "$FIXTURES"/edge.log > grow.log
"$MXTRACE" index --db zidx --tz Europe/Berlin -y 2011 --quiet grow.log 2>&1 | grep -A1 'earlier lines'
echo "== a last line without a newline: held while the file is fresh, read when it was left alone (a copy)"
printf 'Dec 15 10:00:00 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[192.0.2.1]: 554 5.7.1 <x@y.org>: Relay access denied; from=<a@b.org> to=<x@y.org> proto=ESMTP helo=<a>' > cut.log
"$MXTRACE" index --db cutidx --tz UTC -y 2011 cut.log 2>&1 | grep -E 'lines read|left for'
touch -d '1 hour ago' cut.log
"$MXTRACE" index --db cutidx2 --tz UTC -y 2011 cut.log 2>&1 | grep -E 'lines read|left for|reject records'
echo "== --unparsed to a full device: an error naming it, exit 2, the index still complete"
"$MXTRACE" index --db fullidx --tz UTC -y 2011 --quiet --unparsed /dev/full "$FIXTURES/edge.log"; echo "exit $?"
"$MXTRACE" check --db fullidx > /dev/null; echo "check exit $?"
echo "== --host and --host-for take one word"
"$MXTRACE" index --db hidx --quiet --host ' ' "$FIXTURES/edge.log" 2>&1 | head -1; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" index --db hidx --quiet --host-for 'x=a b' "$FIXTURES/edge.log" 2>&1 | head -1; echo "exit ${PIPESTATUS[0]}"
