# The config file's shared keys: `db` (and `retention`) before any [section] serve every command,
# as examples/mxtrace.conf, the README and the systemd unit say; a command's own section and the
# command line win; other keys there are an error; db in the file wins over $MXTRACE_DB.
echo "== examples/mxtrace.conf with its db line uncommented (pointing at this test's index)"
sed "s|^#db = \"/var/lib/mxtrace\"|db = \"$DB\"|" "$EXAMPLES/mxtrace.conf" > shared.conf
grep -n '^[^#]' shared.conf
echo "== index, search, prune, info, show, trace, stats, check: no --db, the index of the file"
"$MXTRACE" --config shared.conf index --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog" "$EXAMPLES/logs/mx1/mail.log"; echo "exit $?"
ls "$DB" >/dev/null && echo "the index is in \$DB"
"$MXTRACE" --config shared.conf search -f bob@foo.com -h smtp -r 1 --format csv --fields host,queue_id; echo "exit $?"
"$MXTRACE" --config shared.conf prune --dry-run; echo "exit $?"
"$MXTRACE" --config shared.conf info | head -3; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" --config shared.conf show smtp:pBG9CXlZ022280 | head -1; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" --config shared.conf trace --format json smtp:pBG9CXlZ022280 >/dev/null; echo "trace exit $?"
"$MXTRACE" --config shared.conf stats --format json >/dev/null; echo "stats exit $?"
"$MXTRACE" --config shared.conf check >/dev/null; echo "check exit $?"
echo "== \$MXTRACE_DB does not override the file's db (mxtrace.conf(5), PRECEDENCE)"
MXTRACE_DB="$WORK/elsewhere" "$MXTRACE" --config shared.conf search -q pBG9CXlZ022280 --format csv --fields queue_id; echo "exit $?"
echo "== the command line wins: --db of an empty directory"
mkdir empty
"$MXTRACE" --config shared.conf search --db empty -q pBG9CXlZ022280; echo "exit $?"
echo "== [search] db wins over the shared one for search; index --db wins over [search] db"
{ cat shared.conf; printf '[search]\ndb = "%s"\n' "$WORK/empty"; } > section.conf
"$MXTRACE" --config section.conf search -q pBG9CXlZ022280; echo "exit $?"
"$MXTRACE" --config section.conf index --db "$DB" --quiet --tz UTC "$EXAMPLES/logs/mx1/mail.log"; echo "index --db exit $?"
echo "files in empty/: $(ls -A empty | wc -l)"
"$MXTRACE" --config shared.conf info | grep '^inputs:'
echo "== retention before any section: a new index keeps that many days"
printf 'db = "%s"\nretention = 0\n' "$WORK/forensic" > retention.conf
"$MXTRACE" --config retention.conf index --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog"; echo "exit $?"
"$MXTRACE" --config retention.conf info | grep '^retention:'
echo "== other keys before any section are an error"
printf 'db = "%s"\ntz = "UTC"\n' "$DB" > tz.conf
"$MXTRACE" --config tz.conf search -q pBG9CXlZ022280; echo "exit $?"
echo "== the root has no --db on the command line: it belongs after the command"
"$MXTRACE" --db "$DB" search -q pBG9CXlZ022280; echo "exit $?"
