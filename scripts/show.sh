# Sourced by the demo recipes (justfile) and docs/generate.sh: print a command the way a reader can paste it into
# bash, run it, and stop loudly when it does not end the way the text around it says it will.
#
#   show CMD ARGS...            prints "$ CMD ARGS..." (quoted for bash), runs it, and fails if it fails
#   show_fails CODE CMD ARGS... the same for a command whose failure is the lesson: it must exit with CODE
#
# The output goes where the caller's standard output goes; standard error is merged into it, as a terminal would
# show both.

# Quotes one word for bash only when it needs it: `!H8sb5sb` becomes '!H8sb5sb' (bash would expand `!` as
# history), `hello, everyone` keeps its space, `测试.txt` stays as it is.
shell_word() {
    local word=$1
    if [ -z "$word" ]; then
        printf "''"
    elif [[ $word =~ [[:space:]\'\"\\\$\!\&\|\;\<\>\(\)\*\?\#\~\{\}\`^\[] ]]; then
        printf "'%s'" "${word//\'/\'\\\'\'}"
    else
        printf '%s' "$word"
    fi
}

# The whole command line; checks that bash reads it back as the same words, so a quoting mistake fails the build
# instead of reaching the page.
shell_line() {
    local line="" word
    for word in "$@"; do line+="${line:+ }$(shell_word "$word")"; done
    local -a back
    eval "back=($line)"
    if [ "${back[*]}" != "$*" ] || [ "${#back[@]}" != "$#" ]; then
        echo "show.sh: cannot quote this command for bash: $*" >&2
        return 1
    fi
    printf '%s\n' "$line"
}

show() {
    local line status=0
    line=$(shell_line "$@") || return 1
    echo "\$ $line"
    "$@" 2>&1 || status=$?
    if [ "$status" != 0 ]; then
        echo "show.sh: '$line' failed with exit code $status" >&2
        return 1
    fi
}

show_fails() {
    local want=$1 line status=0
    shift
    line=$(shell_line "$@") || return 1
    echo "\$ $line"
    "$@" 2>&1 || status=$?
    if [ "$status" != "$want" ]; then
        echo "show.sh: '$line' should fail with exit code $want, but exited with $status" >&2
        return 1
    fi
}

# wait_for_line FILE PATTERN [COUNT]: waits (at most 10 s) until FILE, written by a program in the background, has
# COUNT lines (default 1) matching PATTERN (grep -E): how a script knows that a server is listening before it talks
# to it, or has logged what it received.
wait_for_line() {
    local file=$1 pattern=$2 count=${3:-1} tries
    for ((tries = 0; tries < 200; tries++)); do
        # grep -c prints 0 for a file without a match, and nothing when the file is not there yet.
        [ "$(grep -cE -- "$pattern" "$file" 2>/dev/null || true)" -ge "$count" ] 2>/dev/null && return 0
        sleep 0.05
    done
    echo "show.sh: fewer than $count lines matching '$pattern' in $file after 10 s" >&2
    return 1
}
