# The field list of man/mxtrace-query.7 is the field table: the block between the BEGIN FIELDS
# and END FIELDS lines must be what scripts/query-fields-roff makes of `mxtrace info fields`.
root=$(cd "$EXAMPLES/.." && pwd)
page=$root/man/mxtrace-query.7
sed -n '/^\.\\" BEGIN FIELDS/,/^\.\\" END FIELDS/p' "$page" | sed '1d;$d' > in-page
bash "$root/scripts/query-fields-roff" "$MXTRACE" > from-table
if diff -u in-page from-table; then echo "man page field list = field table ($(grep -c '^\.TP' from-table) fields)"; fi
# every field of the table is in the page's list, by name
"$MXTRACE" info fields | awk 'NR > 1 {print $1}' | while read -r f; do
  grep -q "^\.BR\? $f:" in-page || echo "field $f missing from the page"
done
echo "== info fields"
"$MXTRACE" info fields
