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
