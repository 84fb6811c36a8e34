# Index permissions: a new (personal) index is private, 0700 with files 0600; an existing index
# directory the admin made group-readable (2750, as the Debian package's /var/lib/mxtrace) gets
# files 0640, so the members of its group can search it.
umask 022
modes() { find "$1" -mindepth 1 \( -type f -o -type d \) -printf '%m %y\n' | sort | uniq -c | sed 's/^ *//'; }
"$MXTRACE" index --db "$WORK/personal" --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog"; echo "exit $?"
echo "personal: dir $(stat -c %a "$WORK/personal")"
modes "$WORK/personal"
mkdir "$WORK/shared" && chmod 2750 "$WORK/shared"
"$MXTRACE" index --db "$WORK/shared" --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog"; echo "exit $?"
echo "shared: dir $(stat -c %a "$WORK/shared")"
modes "$WORK/shared"
# a second run keeps them
"$MXTRACE" index --db "$WORK/shared" --quiet --tz UTC "$EXAMPLES/logs/mx1/mail.log"; echo "exit $?"
modes "$WORK/shared" | grep -v ' 640 f$\| 2750 d$' || echo "shared after a second run: still 0640 files, 2750 directories"
