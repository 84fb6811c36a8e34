#!/usr/bin/env bash
# Runs the package's maintainer scripts as dpkg would on a fresh system, without touching this
# one: in a private mount namespace (unshare -m) whose /etc is a copy of this machine's and whose
# /var/lib is empty. Checks what they promise (mxtrace-index(1), FILES; debian/mxtrace.postinst):
# a system user and group mxtrace, the user in adm; /var/lib/mxtrace owned by mxtrace:mxtrace,
# mode 2750; the timer and the service not enabled; the index the user makes there group-readable
# (files 0640) from a log readable only by root and adm; postrm purge removes /var/lib/mxtrace.
# Usage: postinst.sh ROOT DEB   (ROOT: the package unpacked with dpkg -x)
# Needs root and mount namespaces; exits 77 (skipped) without them.
set -u
root=$1 deb=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
  echo "postinst: skipped (needs root and unshare -m)"; exit 77
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
dpkg-deb -e "$deb" "$t/control"
cp -a /etc "$t/etc"
mkdir "$t/varlib" "$t/bin" "$t/logs"
# the binary where the system user can run it, a mail log only root and adm can read
cp "$root/usr/bin/mxtrace" "$t/bin/"
chmod 755 "$t" "$t/bin"
cp "$src/examples/logs/mx1/mail.log" "$t/logs/mail.log"
chown -R root:adm "$t/logs"; chmod 750 "$t/logs"; chmod 640 "$t/logs/mail.log"
export T=$t
unshare -m --propagation private bash -c '
  set -u
  fail=0
  mount --bind "$T/etc" /etc && mount --bind "$T/varlib" /var/lib || { echo "FAIL: bind mounts"; exit 1; }
  # the system of a fresh install: no user mxtrace yet
  if getent passwd mxtrace >/dev/null; then deluser --quiet mxtrace >/dev/null 2>&1 || true; fi
  if getent group mxtrace >/dev/null; then delgroup --quiet mxtrace >/dev/null 2>&1 || true; fi
  if ! DPKG_MAINTSCRIPT_PACKAGE=mxtrace DPKG_MAINTSCRIPT_NAME=postinst "$T/control/postinst" configure "" >"$T/postinst.out" 2>&1; then
    echo "FAIL: postinst configure: $(cat "$T/postinst.out")"; exit 1
  fi
  # a second configure (an upgrade) must work too and change nothing
  DPKG_MAINTSCRIPT_PACKAGE=mxtrace DPKG_MAINTSCRIPT_NAME=postinst "$T/control/postinst" configure 0.1.0 >>"$T/postinst.out" 2>&1 ||
    { echo "FAIL: postinst configure (upgrade): $(cat "$T/postinst.out")"; fail=1; }
  u=$(getent passwd mxtrace) || { echo "FAIL: no user mxtrace"; exit 1; }
  echo "user: $(cut -d: -f1,6,7 <<< "$u") (uid $(cut -d: -f3 <<< "$u"), a system uid: $( [ "$(cut -d: -f3 <<< "$u")" -lt 1000 ] && echo yes || echo NO))"
  [ "$(cut -d: -f3 <<< "$u")" -lt 1000 ] || fail=1
  echo "groups: $(id -nG mxtrace)"
  id -nG mxtrace | tr " " "\n" | grep -qx adm || { echo "FAIL: mxtrace is not in adm"; fail=1; }
  id -nG mxtrace | tr " " "\n" | grep -qx mxtrace || { echo "FAIL: mxtrace is not in group mxtrace"; fail=1; }
  m=$(stat -c "%a %U:%G" /var/lib/mxtrace) || { echo "FAIL: no /var/lib/mxtrace"; exit 1; }
  echo "/var/lib/mxtrace: $m"
  [ "$m" = "2750 mxtrace:mxtrace" ] || { echo "FAIL: /var/lib/mxtrace should be 2750 mxtrace:mxtrace"; fail=1; }
  if ls /etc/systemd/system/*.wants/mxtrace-index.* >/dev/null 2>&1; then
    echo "FAIL: a unit was enabled: $(ls /etc/systemd/system/*.wants/mxtrace-index.*)"; fail=1
  else
    echo "units: not enabled"
  fi
  # what the timer runs, as the user: the index is group-readable, the log read through adm
  if runuser -u mxtrace -- "$T/bin/mxtrace" index --quiet --tz UTC --db /var/lib/mxtrace "$T/logs/mail.log"; then
    bad=$(find /var/lib/mxtrace -mindepth 1 \( -type f ! -perm 0640 -o -type d ! -perm 2750 -o ! -group mxtrace \) -printf "%m %g %P\n")
    [ -z "$bad" ] && echo "index by user mxtrace: files 0640, directories 2750, group mxtrace" ||
      { echo "FAIL: not group-readable: $bad"; fail=1; }
    runuser -u mxtrace -- "$T/bin/mxtrace" search --db /var/lib/mxtrace -r 1 --format csv --fields host >/dev/null ||
      { echo "FAIL: mxtrace search on the system index"; fail=1; }
  else
    echo "FAIL: mxtrace index as user mxtrace (in adm) on a root:adm 0640 log"; fail=1
  fi
  DPKG_MAINTSCRIPT_PACKAGE=mxtrace DPKG_MAINTSCRIPT_NAME=postrm "$T/control/postrm" purge >/dev/null 2>&1 ||
    { echo "FAIL: postrm purge"; fail=1; }
  [ -e /var/lib/mxtrace ] && { echo "FAIL: postrm purge left /var/lib/mxtrace"; fail=1; }
  exit $fail
'
rc=$?
[ $rc = 0 ] && echo "postinst: ok"
exit $rc
