# Every subcommand has a man page, and every option its --help lists is documented there.
root=$(cd "$EXAMPLES/.." && pwd)
cmds=$("$MXTRACE" --help | awk '/^Subcommands:/ {on=1; next} on && NF {print $1}')
cmds="$cmds completions" # not listed by --help, documented all the same
for c in $cmds; do
  page=$root/man/mxtrace-$c.1
  if [ ! -s "$page" ]; then echo "$c: no man page $page"; continue; fi
  text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page")
  missing=0
  for opt in $("$MXTRACE" "$c" --help | grep -oE '(^| |,)--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u); do
    if ! grep -qF -- "$opt" <<<"$text"; then echo "$c: $opt is not in man/mxtrace-$c.1"; missing=1; fi
  done
  [ $missing = 0 ] && echo "$c: man page and --help agree"
done
[ -s "$root/man/mxtrace.1" ] && echo "mxtrace.1 present"
grep -q 'EXIT STATUS' "$root/man/mxtrace.1" && echo "mxtrace.1 documents the exit status"
"$MXTRACE" --version
