#!/usr/bin/env bash
# Asks bash, zsh and fish for completions of mxtrace command lines, with the scripts the binary
# generates (mxtrace completions SHELL), and checks the answers. Usage: check.sh MXTRACE
# A shell that is not installed is a failure unless MXTRACE_SKIP_MISSING_SHELLS=1 (scripts/deps
# installs them).
set -u
MXTRACE=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for sh in bash zsh fish; do "$MXTRACE" completions $sh > "$tmp/$sh" || { echo "FAIL: mxtrace completions $sh"; fail=1; }; done

# expect SHELL "COMMAND LINE (last word is being completed)" WORD... : each WORD is among the answers
# expect_not SHELL "LINE" WORD: WORD is not among them
answers() {
  local sh=$1 line=$2
  case $sh in
  bash)
    bash -c '
      source "$1"
      read -r -a COMP_WORDS <<< "$2"
      [[ $2 == *" " ]] && COMP_WORDS+=("")
      COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
      _mxtrace
      printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/bash" "$line" ;;
  zsh)
    zsh -f -c '
      autoload -U compinit && compinit -u -D 2>/dev/null
      source "$1"
      w=(${=2}); [[ $2 == *" " ]] && w+=("")
      _mxtrace_candidates "${w[@]}"
      print -rl -- $reply' _ "$tmp/zsh" "$line" ;;
  fish)
    fish --no-config -c 'source $argv[1]; complete -C $argv[2] | string replace -r "\t.*" ""' "$tmp/fish" "$line" ;;
  esac
}
expect() {
  local sh=$1 line=$2; shift 2
  if ! command -v "$sh" >/dev/null; then
    [ "${MXTRACE_SKIP_MISSING_SHELLS:-0}" = 1 ] && return
    echo "FAIL: $sh is not installed (scripts/deps installs it)"; fail=1; return
  fi
  local got
  got=$(answers "$sh" "$line")
  for w in "$@"; do
    if ! grep -qxF -- "$w" <<< "$got"; then
      echo "FAIL: $sh: '$line' should offer '$w'; got: $(tr '\n' ' ' <<< "$got")"; fail=1
    fi
  done
  echo "$sh: '$line' -> $(grep -cx '.*' <<< "$got") answers, has: $*"
}
expect_not() {
  local sh=$1 line=$2 w=$3
  command -v "$sh" >/dev/null || return
  if grep -qxF -- "$w" <<< "$(answers "$sh" "$line")"; then echo "FAIL: $sh: '$line' should not offer '$w'"; fail=1; fi
}

# the status and format choices, as the binary checks them
statuses=$("$MXTRACE" search --status nonsense 2>&1 | grep -oE '\{[a-z,]+\}' | tr -d '{}' | tr ',' ' ')
[ -n "$statuses" ] || { echo "FAIL: no status list in the --status error"; fail=1; }
for sh in bash zsh fish; do
  expect $sh "mxtrace " index search show trace prune info
  expect_not $sh "mxtrace " completions
  expect $sh "mxtrace se" search
  expect $sh "mxtrace search --fr" --from
  expect $sh "mxtrace search --status " $statuses
  expect_not $sh "mxtrace search --status " --from
  expect $sh "mxtrace search --format " text json csv
  expect $sh "mxtrace search fr" from:
  expect $sh "mxtrace search " from: to: msgid: status: date:
  expect $sh "mxtrace index --" --tz --missing-ok --db --host-for
  expect_not $sh "mxtrace index --" --status
  expect $sh "mxtrace trace --" --utc
  expect $sh "mxtrace --config f.conf search --ut" --utc
  expect $sh "mxtrace help " search index
done
# zsh through a pseudo-terminal (zpty): an interactive zsh with compinit and the generated script
# lists the completions after a TAB, as a user sees them
zpty_list() {
  cat > "$tmp/zpty.zsh" <<'ZSH'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1=''; autoload -U compinit; compinit -u -D; source ${(q)1}; LISTMAX=1000"
zpty -w z "print READY"
zpty -r -m z line '*READY*'
zpty -n -w z "$2"$'\t'
# wait (up to 30 s: the machine may be slow) for the listing to show $3, before typing more:
# zsh leaves the listing out when keys are already waiting
out=
for i in {1..300}; do
  if zpty -r -t z chunk; then out+=$chunk; [[ $out == *"$3"* ]] && break; else sleep 0.1; fi
done
zpty -w z $'\C-u print DONE'
for i in {1..100}; do
  if zpty -r -t z chunk; then out+=$chunk; [[ $out == *DONE* ]] && break; else sleep 0.1; fi
done
# without the terminal's escape sequences ("\e[Jbounced" is no word "bounced" for grep -w)
print -r -- "$out" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]/ /g'
zpty -d z
ZSH
  timeout 60 zsh -f "$tmp/zpty.zsh" "$tmp/zsh" "$1" "$2"
}
if command -v zsh >/dev/null; then
  got=$(zpty_list "mxtrace search --status " sent)
  for w in $statuses; do
    grep -qw -- "$w" <<< "$got" || { echo "FAIL: zsh (zpty): 'mxtrace search --status <TAB>' does not list $w; got: $(cat -v <<< "$got" | tail -3)"; fail=1; }
  done
  got=$(zpty_list "mxtrace search --format " text)
  for w in text json csv; do
    grep -qw -- "$w" <<< "$got" || { echo "FAIL: zsh (zpty): 'mxtrace search --format <TAB>' does not list $w"; fail=1; }
  done
  echo "zsh (zpty): --status and --format values listed after TAB"
fi

# every option --help lists is offered (bash)
for c in index search show trace stats prune info check repair; do
  # the option names at the start of --help's option lines (not those its descriptions mention)
  opts=$("$MXTRACE" $c --help | grep -E '^  -' | grep -oE '^ +(-[a-zA-Z],)?--[a-z][a-z-]*' | sed 's/.*--/--/' | sort -u)
  # shellcheck disable=SC2086
  expect bash "mxtrace $c --" $opts >/dev/null
done
[ $fail = 0 ] && echo "all completions answered"
exit $fail
