#!/usr/bin/env bash
# A simulated LAN for the broadcast crate (run by `just netns`; needs root and iproute2).
#
# Three hosts, each a network namespace with one interface (eth0, 10.77.0.1-3/24), joined by a bridge that lives
# in a fourth namespace of its own, so nothing is attached to the host's network: every packet stays inside the
# namespaces this script makes, and they are removed on exit, whatever happens.
#
#   sl-a 10.77.0.1 ─┐
#   sl-b 10.77.0.2 ─┼─ bridge sl-br (in namespace sl-lan)
#   sl-c 10.77.0.3 ─┘
set -u
bin=$(realpath "${1:-target/debug/broadcast}")
hosts=(a b c)
work=$(mktemp -d)
passed=0
failed=0

cleanup() {
    for h in "${hosts[@]}"; do ip netns pids "sl-$h" 2>/dev/null | xargs -r kill 2>/dev/null; done
    for n in sl-a sl-b sl-c sl-lan; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cleanup 2>/dev/null
work=$(mktemp -d)

in_ns() { local h=$1; shift; ip netns exec "sl-$h" "$@"; }
check() {
    local what=$1; shift
    if "$@"; then echo "ok - $what"; passed=$((passed + 1)); else echo "not ok - $what"; failed=$((failed + 1)); fi
}
# Waits (at most 5 s) until FILE has a line matching PATTERN.
wait_for() { timeout 5 bash -c "until grep -q -- \"\$1\" \"\$2\" 2>/dev/null; do sleep 0.05; done" _ "$2" "$1"; }

set -e
ip netns add sl-lan
ip -n sl-lan link add sl-br type bridge
ip -n sl-lan link set sl-br up
i=1
for h in "${hosts[@]}"; do
    ip netns add "sl-$h"
    ip -n sl-lan link add "port-$h" type veth peer name eth0 netns "sl-$h"
    ip -n sl-lan link set "port-$h" master sl-br up
    in_ns "$h" ip addr add "10.77.0.$i/24" dev eth0
    in_ns "$h" ip link set eth0 up
    in_ns "$h" ip link set lo up
    i=$((i + 1))
done
set +e

listen_bc() { # listen on b and c for one message each
    for h in b c; do
        in_ns "$h" "$bin" listen --port 9999 --count 1 > "$work/$1-$h" 2>&1 &
        wait_for "$work/$1-$h" "listening on" || return 1
    done
}
heard() { # did b and c both get MESSAGE from 10.77.0.1?
    for h in b c; do wait_for "$work/$1-$h" "^10.77.0.1:[0-9]* $2\$" || return 1; done
}

# (a) A directed broadcast from a reaches b and c.
listen_bc directed
in_ns a "$bin" send "directed hello" --to 10.77.0.255 --port 9999 > "$work/send-a" 2>&1
check "a directed broadcast (10.77.0.255) from a reaches b and c" heard directed "directed hello"

# (b) 255.255.255.255 from a, with a route for it inside a's namespace, reaches b and c.
in_ns a ip route add 255.255.255.255/32 dev eth0
listen_bc limited
in_ns a "$bin" send "limited hello" --port 9999 > "$work/send-b" 2>&1
check "255.255.255.255 from a reaches b and c" heard limited "limited hello"

# (c) --iface eth0 picks eth0's directed broadcast address.
listen_bc iface
in_ns a "$bin" send "iface hello" --iface eth0 --port 9999 > "$work/send-c" 2>&1
check "--iface eth0 sends to 10.77.0.255 and says why" grep -q "10.77.0.255: the directed broadcast of eth0 (10.77.0.1/24" "$work/send-c"
check "--iface eth0 reaches b and c" heard iface "iface hello"

# (e) Without a route for 255.255.255.255 (host b), the error says so and suggests --iface.
in_ns b "$bin" send x --port 9999 > "$work/send-e" 2>&1
status=$?
check "no route for 255.255.255.255: exit 1 and a hint to use --iface" bash -c "[ $status = 1 ] && grep -q -- '--iface' '$work/send-e'"

# (d) Presence: the three rosters converge; c leaves first and the others drop it.
for h in a b; do
    in_ns "$h" "$bin" presence --name "$h" --iface eth0 --port 9998 --interval 0.3 --duration 4 > "$work/p-$h" 2>&1 &
done
in_ns c "$bin" presence --name c --iface eth0 --port 9998 --interval 0.3 --duration 1.5 > "$work/p-c" 2>&1 &
check "a's roster has b and c" wait_for "$work/p-a" "roster: b (10.77.0.2), c (10.77.0.3)"
check "b's roster has a and c" wait_for "$work/p-b" "roster: a (10.77.0.1), c (10.77.0.3)"
check "c's roster has a and b" wait_for "$work/p-c" "roster: a (10.77.0.1), b (10.77.0.2)"
check "c says offline, and a drops it" wait_for "$work/p-a" "c went offline"
check "b drops c too" wait_for "$work/p-b" "roster: a (10.77.0.1)\$"
wait

echo "netns: $passed passed, $failed failed"
[ "$failed" = 0 ]
