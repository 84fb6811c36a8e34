# every kind of line in one file: accounting summary and the unparsed listing
"$MXTRACE" index --db "$DB" -y 2011 --unparsed unparsed.txt "$FIXTURES/edge.log"
echo "exit $?"
cat unparsed.txt
# it holds raw log lines: created 0600, and made 0600 when it existed readable by others
stat -c '%a' unparsed.txt
umask 022; : > unparsed2.txt; chmod 644 unparsed2.txt
"$MXTRACE" index --db "$DB" -y 2011 --unparsed unparsed2.txt "$FIXTURES/edge.log" >/dev/null 2>&1
stat -c '%a' unparsed2.txt
