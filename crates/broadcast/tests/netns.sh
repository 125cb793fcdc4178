#!/usr/bin/env bash
# A simulated LAN for the broadcast crate (run by `just netns`; needs root and iproute2; smcroute for the router,
# fetched from Debian into .peers/ when missing).
#
# Three hosts, each a network namespace with one interface (eth0, 10.77.0.1-3/24, fd77::1-3/64), joined by a
# bridge that lives in a namespace of its own; a router (sl-r) on the same bridge, with a second link to a fourth
# host (sl-d) on a network of its own. Nothing is attached to the host's network: every packet stays inside the
# namespaces this script makes, and they are removed on exit, whatever happens.
#
#   sl-a 10.77.0.1 ─┐
#   sl-b 10.77.0.2 ─┤
#   sl-c 10.77.0.3 ─┼─ bridge sl-br (in namespace sl-lan)
#   sl-r eth0 .254 ─┘
#   sl-r eth1 10.78.0.254 ── sl-d 10.78.0.1        (IPv6: fd77::/64 on the bridge, fd78::/64 beyond the router)
#
# The router forwards the test groups from eth0 to eth1 with a static multicast route. iproute2 cannot add one
# (multicast routes live in the kernel's multicast forwarding cache, which only a routing daemon holding the
# MRT_INIT socket may fill), so smcrouted, a static multicast routing daemon, runs inside sl-r.
set -u
bin=$(realpath "${1:-target/debug/broadcast}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
hosts=(a b c)
namespaces=(sl-a sl-b sl-c sl-r sl-d sl-lan)
work=$(mktemp -d)
passed=0
failed=0

cleanup() {
    for n in "${namespaces[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null; done
    for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null; done
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
# True when FILE has no line matching PATTERN.
lacks() { ! grep -q -- "$2" "$1"; }

# smcrouted: installed, or unpacked from Debian's package into .peers/smcroute. Unpacked, not installed: the
# package would also enable and start smcroute.service, a multicast router on the host itself.
smcrouted=$(command -v smcrouted || true)
if [ -z "$smcrouted" ]; then
    smcrouted="$root/.peers/smcroute/usr/sbin/smcrouted"
    if [ ! -x "$smcrouted" ]; then
        echo "netns: unpacking smcroute into .peers/smcroute"
        tmp=$(mktemp -d) && chmod 777 "$tmp" # apt downloads as its own user (_apt)
        (cd "$tmp" && apt-get download -qq smcroute </dev/null) &&
            mkdir -p "$root/.peers/smcroute" && dpkg-deb -x "$tmp"/smcroute_*.deb "$root/.peers/smcroute"
        rm -rf "$tmp"
    fi
fi

set -e
ip netns add sl-lan
# No IGMP/MLD snooping: the bridge floods multicast to every port, as a simple switch does, so what decides who
# gets a group's datagrams in the checks below is each host's own membership.
ip -n sl-lan link add sl-br type bridge mcast_snooping 0
ip -n sl-lan link set sl-br up
i=1
for h in "${hosts[@]}" r; do
    [ "$h" = r ] && i=254
    ip netns add "sl-$h"
    ip -n sl-lan link add "port-$h" type veth peer name eth0 netns "sl-$h"
    ip -n sl-lan link set "port-$h" master sl-br up
    in_ns "$h" ip addr add "10.77.0.$i/24" dev eth0
    # nodad: usable at once, without waiting a second for duplicate address detection.
    in_ns "$h" ip -6 addr add "fd77::$(printf %x "$i")/64" dev eth0 nodad
    in_ns "$h" ip link set eth0 up
    in_ns "$h" ip link set lo up
    i=$((i + 1))
done
# The router's second network, with host d on it.
ip netns add sl-d
ip -n sl-r link add eth1 type veth peer name eth0 netns sl-d
in_ns r ip addr add 10.78.0.254/24 dev eth1
in_ns r ip -6 addr add fd78::fe/64 dev eth1 nodad
in_ns r ip link set eth1 up
in_ns d ip addr add 10.78.0.1/24 dev eth0
in_ns d ip -6 addr add fd78::1/64 dev eth0 nodad
in_ns d ip link set eth0 up
in_ns d ip link set lo up
in_ns r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
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

# The router: smcrouted in sl-r, with a static route for each test group from eth0 (the LAN) to eth1 (d's
# network). Its PID file appears once the routes are loaded. A datagram crosses only if its TTL (hop limit) is
# above the interface's threshold, 1 by default: TTL 1 never, TTL 2 arrives at d with 1 left.
cat > "$work/smcroute.conf" <<EOF
phyint eth0 enable
phyint eth1 enable
mroute from eth0 group 239.255.70.77 to eth1
mroute from eth0 group ff15::7077 to eth1
EOF
if [ -x "$smcrouted" ]; then
    in_ns r "$smcrouted" -n -N -f "$work/smcroute.conf" -u "$work/smcroute.sock" -P "$work/smcroute.pid" \
        -l info > "$work/smcrouted.log" 2>&1 &
    if ! timeout 5 bash -c "until [ -s '$work/smcroute.pid' ]; do sleep 0.05; done"; then
        echo "# smcrouted did not start in 5 s:"; sed 's/^/#   /' "$work/smcrouted.log"
    fi
else
    echo "# no smcrouted (apt-get download smcroute failed): the TTL 2 checks cannot pass"
fi

# Multicast. Every listener joins on eth0 and every sender sends by eth0 (--iface), TTL 1 unless a check says
# otherwise. A listener that must hear nothing has a --duration; the script waits for it to end (bounded) after
# a member has shown that the message arrived on the LAN.
listeners=()
mlisten() { # HOST FILE ARGS...: a multicast listener in the background, waited for until it has bound
    local h=$1 file=$2; shift 2
    in_ns "$h" "$bin" multicast listen --iface eth0 --port 9997 "$@" > "$file" 2>&1 &
    listeners+=($!)
    wait_for "$file" "listening on"
}
# Waits for the listeners started so far to end (each has a --duration).
mwait() { wait "${listeners[@]}"; listeners=(); }
msend() { # HOST ARGS...
    local h=$1; shift
    in_ns "$h" "$bin" multicast send --iface eth0 --port 9997 "$@" >> "$work/msend" 2>&1
}

for family in 4 6; do
    if [ $family = 4 ]; then group=239.255.70.77 from='10.77.0.1:[0-9]*'; else group=ff15::7077 from='\[fd77::1\]:[0-9]*'; fi
    v="IPv$family $group"
    m="$work/m$family"

    # (f) Join and no join: b joins, c listens on the group's port without joining.
    mlisten b "$m-join-b" --group $group --count 1 --duration 5
    mlisten c "$m-join-c" --group $group --no-join --duration 2
    msend a "joined?" --group $group
    check "$v: b, which joined, hears a (its source shown)" wait_for "$m-join-b" "^$from joined?\$"
    mwait
    check "$v: c, which did not join, hears nothing" lacks "$m-join-c" "joined?"

    # (g) Leave: b leaves after the first message, c stays a member; the second reaches c only.
    mlisten b "$m-leave-b" --group $group --leave-after 1 --duration 3
    mlisten c "$m-leave-c" --group $group --count 2 --duration 5
    msend a "one" --group $group
    check "$v: b, a member, hears the first" wait_for "$m-leave-b" "^$from one\$"
    check "$v: c, a member, hears the first" wait_for "$m-leave-c" "^$from one\$"
    check "$v: b says it left" wait_for "$m-leave-b" "^left $group on eth0\$"
    msend a "two" --group $group
    check "$v: c, still a member, hears the second" wait_for "$m-leave-c" "^$from two\$"
    mwait
    check "$v: b, which left, does not" lacks "$m-leave-b" "two"

    # (h) Loopback: with --no-loop a member on a itself does not hear a's message; b does.
    mlisten a "$m-loop-a" --group $group --count 1 --duration 2
    mlisten b "$m-loop-b" --group $group --count 1 --duration 5
    msend a "not for me" --group $group --no-loop
    check "$v: --no-loop: b hears a" wait_for "$m-loop-b" "not for me\$"
    mwait
    check "$v: --no-loop: a's own member does not" lacks "$m-loop-a" "not for me"

    # (i) TTL (hop limit): 1 stays on the LAN (b hears, d beyond the router does not); 2 crosses the router.
    mlisten d "$m-ttl-d" --group $group --count 1 --duration 4
    mlisten b "$m-ttl-b" --group $group --count 1 --duration 5
    msend a "ttl 1" --group $group --ttl 1
    check "$v: TTL 1 reaches b on the LAN" wait_for "$m-ttl-b" "ttl 1\$"
    msend a "ttl 2" --group $group --ttl 2
    check "$v: TTL 2 crosses the router to d, from a's address" wait_for "$m-ttl-d" "^$from ttl 2\$"
    mwait
    check "$v: TTL 1 does not cross the router (d heard only the TTL 2 message)" lacks "$m-ttl-d" "ttl 1"
done

# (j) No route: b has no default route, so without --iface the kernel has nowhere to send an IPv4 group.
in_ns b "$bin" multicast send x --port 9997 > "$work/m-noroute" 2>&1
status=$?
check "no route to 239.255.70.77: exit 1, one line" \
    bash -c "[ $status = 1 ] && [ \$(wc -l < '$work/m-noroute') = 1 ] && grep -q '^broadcast: no route to 239.255.70.77: ' '$work/m-noroute'"

echo "netns: $passed passed, $failed failed"
[ "$failed" = 0 ]
