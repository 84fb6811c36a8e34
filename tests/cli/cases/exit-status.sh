# The exit codes have one text, man/exit-status.roff: every man page's EXIT STATUS section holds
# exactly it between the '.\" BEGIN exit-status' and '.\" END exit-status' lines (put there by
# scripts/man-exit-status), and it lists exactly the codes of enum ExitCode in error.hpp.
root=$(cd "$EXAMPLES/.." && pwd)
frag=$root/man/exit-status.roff
echo "== enum ExitCode (include/mxtrace/base/error.hpp)"
sed -n '/^enum class ExitCode/,/^};/p' "$root/include/mxtrace/base/error.hpp" |
  sed -nE 's/^ *([a-z_]+) *= *([0-9]+) *,.*/\2 \1/p' > enum
cat enum
cut -d' ' -f1 enum | sort -n > enum-codes
# the fragment's codes: the ".B N" tag line of each .TP item
awk 'prev == ".TP" { print } { prev = $0 }' "$frag" > tags
grep -v '^\.B [0-9][0-9]*$' tags | sed 's/^/fragment: a .TP item that is no exit code: /'
sed -n 's/^\.B \([0-9][0-9]*\)$/\1/p' tags | sort -n > frag-codes
echo "fragment codes: $(tr '\n' ' ' < frag-codes)"
if diff enum-codes frag-codes > /dev/null; then
  echo "fragment codes = enum codes"
else
  comm -23 enum-codes frag-codes | sed 's/^/code missing from the fragment: /'
  comm -13 enum-codes frag-codes | sed 's/^/code in the fragment that the enum lacks: /'
  sort -n frag-codes | uniq -d | sed 's/^/code listed twice in the fragment: /'
fi
echo "== man pages"
for page in "$root"/man/*.1; do
  name=${page#"$root"/}
  n=$(grep -c '^\.SH "\{0,1\}EXIT STATUS"\{0,1\}$' "$page")
  [ "$n" = 1 ] || { echo "$name: $n EXIT STATUS sections"; continue; }
  # the line after .SH EXIT STATUS must be the BEGIN marker; the block up to END is the fragment
  next=$(sed -n '/^\.SH "\{0,1\}EXIT STATUS"\{0,1\}$/{n;p;q}' "$page")
  [ "$next" = '.\" BEGIN exit-status' ] || echo "$name: EXIT STATUS does not begin with the BEGIN exit-status marker"
  sed -n '/^\.\\" BEGIN exit-status$/,/^\.\\" END exit-status$/p' "$page" | sed '1d;$d' > in-page
  if diff -u "$frag" in-page > page.diff; then
    echo "$name: EXIT STATUS = fragment"
  else
    echo "$name: EXIT STATUS differs from man/exit-status.roff (run scripts/man-exit-status):"
    cat page.diff
  fi
  grep -n '^\.so' "$page" | sed "s|^|$name: includes a file (installed pages must be self-contained): |"
done
echo "== scripts/man-exit-status restores a page"
cp "$root/man/mxtrace-prune.1" page.1
sed -i '/^\.B 6$/,/^\.TP$/s/damaged/fine/' page.1
cmp -s page.1 "$root/man/mxtrace-prune.1" && echo "the page was not changed: the test is broken"
bash "$root/scripts/man-exit-status" --check page.1 > /dev/null; echo "--check on a changed page: exit $?"
bash "$root/scripts/man-exit-status" page.1 | sed "s|$PWD/||"
cmp page.1 "$root/man/mxtrace-prune.1" && echo "restored: same as man/mxtrace-prune.1"
