#!/usr/bin/env bash
# Tests for show.sh, run by `just test`: the book's and the demo's commands paste into bash as printed, and a
# command that fails (or does not fail as the lesson says) stops the script.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/show.sh"
pass=0 fail=0
check() { # check DESCRIPTION COMMAND...: the command must succeed
    local what=$1; shift
    if "$@" >/dev/null; then pass=$((pass + 1)); else echo "not ok - $what"; fail=$((fail + 1)); fi
}
fails_quietly() { ! "$@" >/dev/null 2>&1; }

# Each printed line, pasted into an interactive bash (where `!` means history), gives back the same words.
round_trip() {
    local line back
    line=$(shell_line "$@") || return 1
    back=$(printf 'printf "%%s\\n" %s\n' "$line" | bash --norc --noprofile -i 2>/dev/null)
    [ "$back" = "$(printf '%s\n' "$@")" ]
}
check "struct format with ! keeps its quotes" round_trip endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0
check "a space, a quote, an empty word" round_trip broadcast send 'hello, everyone' "it's" '' x
check "globs, tilde, dollar, backslash, backtick" round_trip a '*' '[x]' '~/y' '$HOME' 'a\b' '`id`' 'a;b' 'a|b' '#c'
check "non-ASCII stays readable" test "$(shell_line get 测试.txt)" = "get 测试.txt"
check "plain words stay unquoted" test "$(shell_line ipmask 192.168.1.0/24 --mask=255.255.0.0)" = "ipmask 192.168.1.0/24 --mask=255.255.0.0"

check "show prints the command and its output" test "$(show echo hi)" = $'$ echo hi\nhi'
check "show fails when the command fails" fails_quietly show false
check "show_fails passes on the expected code" show_fails 3 bash -c 'exit 3'
check "show_fails fails on another code" fails_quietly show_fails 2 bash -c 'exit 3'
check "show_fails fails when the command succeeds" fails_quietly show_fails 1 true
check "a script under set -e stops at a failing show" \
    test "$(bash -c 'set -e; source "$1"; show false; echo after' _ "$here/show.sh" 2>/dev/null)" = '$ false'

# wait_for_line waits for a file that does not exist yet without a word on standard error.
scratch=$(mktemp -d)
(sleep 0.2; echo "listening on 127.0.0.1:1" > "$scratch/log") &
check "wait_for_line sees a line written later, quietly" \
    test -z "$(wait_for_line "$scratch/log" "^listening on" 2>&1 >/dev/null)"
check "wait_for_line saw it" grep -q listening "$scratch/log"
rm -rf "$scratch"

echo "show.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
