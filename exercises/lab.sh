#!/usr/bin/env bash
# The labs' runner, behind `just lab`, `just lab N` and `just lab-check`.
#   lab.sh list     every lab, its seed section, and whether its tests pass yet
#   lab.sh run N    lab N's tests, with its hint when they fail
#   lab.sh check    for every lab: the tests FAIL on the skeleton, PASS with the reference solution, and FAIL on
#                   every wrong solution in wrong/ (each a patch to the reference solution)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export CARGO_TARGET_DIR="$root/target/labs"
# How long one lab's tests may run once built. Each test has its own, shorter limit (support/timed.rs); this one
# catches what those cannot (a solution that blocks the test harness itself).
LAB_SECONDS=${LAB_SECONDS:-120}

# Fields of lab N from labs.toml: number, name, folder, seed, hint.
field() { awk -v n="$1" -v key="$2" '
    /^\[\[lab\]\]/ { inlab = 0 }
    $1 == "number" { inlab = ($3 == n) }
    inlab && $1 == key { sub(/^[^=]*= */, ""); gsub(/^"|"$/, ""); print; exit }' "$here/labs.toml"; }
numbers() { awk '$1 == "number" { print $3 }' "$here/labs.toml"; }
package() { echo "lab$(printf %02d "$1")-$(field "$1" folder | cut -d- -f2-)"; }

builds() { # lab N's tests in workspace DIR compile? (TARGET: another build folder, for the checked copies)
    CARGO_TARGET_DIR="${3:-$CARGO_TARGET_DIR}" cargo test -q --no-run --manifest-path "$2/Cargo.toml" -p "$(package "$1")" >/dev/null 2>&1
}
passes() { # lab N in workspace DIR builds and passes its tests within LAB_SECONDS? (TARGET as for builds)
    builds "$@" && CARGO_TARGET_DIR="${3:-$CARGO_TARGET_DIR}" timeout -k 5 "$LAB_SECONDS" \
        cargo test -q --manifest-path "$2/Cargo.toml" -p "$(package "$1")" >/dev/null 2>&1
}

case "${1:-list}" in
list)
    echo "Labs (seed sections in brackets); run one with: just lab N"
    for n in $(numbers); do
        if passes "$n" "$here"; then status="passes"; else status="not yet"; fi
        printf "  %d. %-70s [%s] %s\n" "$n" "$(field "$n" name)" "$(field "$n" seed)" "$status"
    done
    ;;
run)
    n=${2:?usage: lab.sh run N}
    folder=$(field "$n" folder)
    [ -n "$folder" ] || { echo "no lab $n (see: just lab)"; exit 2; }
    pkg=$(package "$n")
    echo "Lab $n: $(field "$n" name) (seed $(field "$n" seed)) — exercises/$folder/README.md"
    # Build first (no time limit: the first build compiles the crates the tests compare against), then test.
    cargo test -q --no-run --manifest-path "$here/Cargo.toml" -p "$pkg" || {
        echo; echo "Lab $n does not compile yet: the first error above says where (file:line)."; exit 1; }
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    timeout -k 5 "$LAB_SECONDS" cargo test --manifest-path "$here/Cargo.toml" -p "$pkg" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    if [ "$status" = 0 ]; then
        echo "Lab $n passes. Well done."
        exit 0
    fi
    echo
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        echo "Lab $n timed out after $LAB_SECONDS s: something in your code waits for ever (a recv_from with no timeout?)."
    else
        echo "Lab $n does not pass yet: each failed test above says what it sent, what it expected and what it got."
    fi
    if grep -q "not yet implemented" "$log"; then
        echo "A 'not yet implemented' panic is a todo!() still to replace."
    fi
    if grep -q "timed out after" "$log"; then
        echo "A test that 'timed out' called your code and it never returned: look for a loop or a wait without an end."
    fi
    echo "Hint: $(field "$n" hint)"
    exit 1
    ;;
check)
    if [ ! -d "$here/solutions" ]; then
        # A copy handed out to students has no solutions: there is nothing to check the labs against.
        echo "lab-check: skipped: exercises/solutions/ is not in this copy (labs handed out without solutions)"
        exit 0
    fi
    # The skeletons as the project ships them, not as they are in this folder: a student's clone, where some labs
    # are solved, must still pass. They come from git (the branch this clone follows, else HEAD); outside a git
    # checkout, from this folder.
    rev=""
    if [ "$(git -C "$root" rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; then
        rev=$(git -C "$root" rev-parse -q --verify '@{upstream}' || git -C "$root" rev-parse -q --verify HEAD || true)
    fi
    work="$root/target/lab-check"
    rm -rf "$work" && mkdir -p "$work/results"
    # Wrong answers run JOBS at a time: most of their time is spent waiting for a test's time limit, not computing.
    jobs=${LAB_CHECK_JOBS:-4}
    copies="skeleton solved"
    for ((w = 0; w < jobs; w++)); do copies+=" wrong-$w"; done
    for copy in $copies; do
        cp -r "$here" "$work/$copy"
        rm -rf "$work/$copy/target" "$work/$copy/solutions" "$work/$copy/wrong"
        # The copies live elsewhere: point their dependencies at the real crates.
        sed -i "s|\.\./crates/|$root/crates/|" "$work/$copy/Cargo.toml"
        sed -i "s|\"\.\./\.\./\.\./crates/|\"$root/crates/|" "$work/$copy"/*/tests/*.rs
    done
    [ -n "$rev" ] || echo "lab-check: not a git checkout: checking the skeletons as they are in exercises/"
    bad=0
    checks=0
    for n in $(numbers); do
        folder=$(field "$n" folder)
        checks=$((checks + 1))
        if [ -n "$rev" ]; then
            git -C "$root" show "$rev:exercises/$folder/src/lib.rs" > "$work/skeleton/$folder/src/lib.rs"
        fi
        cp "$here/solutions/$folder.rs" "$work/solved/$folder/src/lib.rs"
        # Each copy builds in a folder of its own: cargo would otherwise take one copy's build for the other's.
        skeleton_build="$root/target/lab-check-skeleton"
        if ! builds "$n" "$work/skeleton" "$skeleton_build"; then
            echo "not ok - lab $n: the skeleton does not compile"; bad=$((bad + 1)); continue
        fi
        if passes "$n" "$work/skeleton" "$skeleton_build"; then
            echo "not ok - lab $n: the skeleton passes its tests"; bad=$((bad + 1)); continue
        fi
        if passes "$n" "$work/solved" "$root/target/lab-check-build"; then
            echo "ok - lab $n: fails on the skeleton, passes with the reference solution"
        else
            echo "not ok - lab $n: the reference solution fails its tests"; bad=$((bad + 1))
        fi
    done

    # Every wrong answer a lab's README lists must build and fail that lab's tests.
    list=()
    for n in $(numbers); do
        for wrong in "$here/wrong/$(field "$n" folder)"/*.patch; do
            [ -e "$wrong" ] && list+=("$n $wrong")
        done
    done
    check_wrong() { # check_wrong COPY N PATCH: one line, "ok - ..." or "not ok - ..."
        local copy=$1 n=$2 wrong=$3 folder exe what
        folder=$(field "$n" folder)
        what=$(head -1 "$wrong")
        if ! patch -s -o "$copy/$folder/src/lib.rs" "$here/solutions/$folder.rs" "$wrong" >/dev/null; then
            echo "not ok - lab $n: $(basename "$wrong") no longer applies to the reference solution"; return
        fi
        # Built in one shared folder (cargo takes turns), run outside cargo, so the waiting runs side by side.
        exe=$(CARGO_TARGET_DIR="$root/target/lab-check-wrong" cargo test -q --no-run --message-format=json \
            --manifest-path "$copy/Cargo.toml" -p "$(package "$n")" 2>/dev/null |
            grep '"kind":\["test"\]' | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | head -1)
        if [ -z "$exe" ]; then
            # It must build, so that the tests are what catch it.
            echo "not ok - lab $n: the wrong answer $(basename "$wrong") does not compile"
        elif (cd "$copy/$folder" && timeout -k 5 "$LAB_SECONDS" "$exe" -q >/dev/null 2>&1); then
            echo "not ok - lab $n: a wrong answer passes: $what ($(basename "$wrong"))"
        else
            echo "ok - lab $n: caught: $what"
        fi
    }
    for ((w = 0; w < jobs; w++)); do
        (
            for ((i = w; i < ${#list[@]}; i += jobs)); do
                read -r n wrong <<< "${list[$i]}"
                check_wrong "$work/wrong-$w" "$n" "$wrong" > "$work/results/$i"
            done
        ) &
    done
    wait
    for ((i = 0; i < ${#list[@]}; i++)); do
        line=$(cat "$work/results/$i" 2>/dev/null || echo "not ok - ${list[$i]}: no result")
        echo "$line"
        checks=$((checks + 1))
        case "$line" in "not ok"*) bad=$((bad + 1)) ;; esac
    done
    echo "lab-check: $((checks - bad)) passed, $bad failed"
    [ "$bad" = 0 ]
    ;;
*)
    echo "usage: lab.sh list | run N | check"; exit 2
    ;;
esac
