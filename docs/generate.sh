#!/usr/bin/env bash
# Runs the programs and saves what they print, for the book to include: the outputs in the book come from a real
# run of the code in this repository, every time the book is built (`just docs`), so they cannot drift. A command
# that fails stops the build, unless its failure is the lesson (`fails CODE ...`), and then it must fail with
# exactly that exit code. Loopback only.
#
# Usage: generate.sh BIN_DIR (the folder with the built binaries; `just docs` builds them first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: generate.sh BIN_DIR}
out="$root/docs/src/generated"
rm -rf "$out"
mkdir -p "$out"
export PATH="$bin:$bin/examples:$PATH"
export NO_COLOR=1
# shellcheck source=../scripts/show.sh
source "$root/scripts/show.sh"

for program in ipmask endian-demo echo-server echo-client broadcast tftp-client tftp-server udp-impair examples/ping examples/layers; do
    [ -x "$bin/$program" ] || { echo "generate.sh: $bin/$program is missing: build it first (just docs does)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "generate.sh: python3 is missing (just docs-tools installs it)" >&2; exit 1; }

run() { # run NAME COMMAND...: "$ COMMAND" and its output into generated/NAME.txt; the command must succeed
    local name=$1; shift
    show "$@" > "$out/$name.txt"
}
fails() { # fails CODE NAME COMMAND...: the same for a command that must fail with exit code CODE
    local code=$1 name=$2; shift 2
    show_fails "$code" "$@" > "$out/$name.txt"
}

run ipmask-seed ipmask 192.168.1.1 255.255.255.0
run ipmask-1500 ipmask vlsm 172.16.0.0/16 1500
run ipmask-same-subnet ipmask same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
run ipmask-vlsm ipmask vlsm 192.168.1.0/24 100 50 20 2
run endian-tour endian-demo
run endian-pack endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0
run endian-rrq endian-demo rrq 测试.txt
run endian-calcsize endian-demo calcsize '@ci'
run endian-unpack endian-demo unpack '!HH' '00 03 00 01'
# The tutorial's own call, as it is written: Python 3's struct packs bytes for 's', not text, so it fails (exit 1).
fails 1 py-pack-str python3 -c 'from struct import pack; pack("!H8sb5sb", 1, "test.txt", 0, "octet", 0)'
run py-pack-bytes python3 -c 'from struct import pack; print(pack("!H8sb5sb", 1, b"test.txt", 0, b"octet", 0))'
{ echo '$ cargo run -p udp-impair --example ping'; ping; } > "$out/impair-ping.txt"
# Without SO_BROADCAST the kernel refuses a broadcast destination (EACCES): exit 1.
fails 1 broadcast-refused broadcast send 'no flag' --to 127.255.255.255 --port 18091 --without-so-broadcast

# Servers run in the background on port 0; their first line says where.
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
first_line() { timeout 10 bash -c 'until [ -s "$1" ]; do sleep 0.05; done; head -1 "$1"' _ "$1"; }

echo-server --bind 127.0.0.1 --port 0 > "$work/echo.log" 2>&1 &
echo_port=$(first_line "$work/echo.log" | sed 's/.*127.0.0.1:\([0-9]*\).*/\1/')
run echo-ping echo-client 127.0.0.1 --port "$echo_port" --count 3 --interval 0 --size 2000

# One datagram, layer by layer (1.1): one probe and its echo, captured by the client, then the probe taken apart.
mkdir "$work/layers"
cd "$work/layers"
run layers-probe echo-client 127.0.0.1 --port "$echo_port" --count 1 --size 16 --pcap one.pcapng
{ echo '$ cargo run -q -p netlab --example layers -- one.pcapng 1'; layers one.pcapng 1; } > "$out/layers-one.txt"

# Multicast (3.2.3), on this host only: every command names lo and sends with TTL 1, and IPv4 only, since the
# host's lo takes no IPv6 multicast. A member that leaves after one message, a member that
# stays, and a socket on the same port that never joins; then two messages to the group.
mkdir "$work/multicast"
listener() { # listener NAME ARGS...: `broadcast multicast listen ARGS` in the background, its output in NAME.log
    local name=$1; shift
    echo "\$ $(shell_line broadcast multicast listen "$@")" > "$work/multicast/$name.cmd"
    : > "$work/multicast/$name.log" # there before wait_for_line reads it
    broadcast multicast listen "$@" > "$work/multicast/$name.log" 2>&1 &
}
listener leave --iface lo --port 0 --leave-after 1 --duration 3
leave_pid=$!
wait_for_line "$work/multicast/leave.log" '^joined'
group_port=$(head -1 "$work/multicast/leave.log" | sed -n 's/.*listening on 239\.255\.70\.77:\([0-9]*\).*/\1/p')
[ -n "$group_port" ] || { echo "generate.sh: the multicast listener printed no port" >&2; exit 1; }
listener stay --iface lo --port "$group_port" --count 2 --duration 3
stay_pid=$!
listener no-join --iface lo --port "$group_port" --no-join --duration 3
no_join_pid=$!
wait_for_line "$work/multicast/stay.log" '^joined'
wait_for_line "$work/multicast/no-join.log" '^not a member'
{
    show broadcast multicast send one --iface lo --port "$group_port" --ttl 1
    wait_for_line "$work/multicast/leave.log" '^left'
    show broadcast multicast send two --iface lo --port "$group_port" --ttl 1
} > "$out/multicast-send.txt"
for pid in "$leave_pid" "$stay_pid" "$no_join_pid"; do wait "$pid"; done # each must end well, at its count or time
for name in leave stay no-join; do
    cat "$work/multicast/$name.cmd" "$work/multicast/$name.log" > "$out/multicast-$name.txt"
done
fails 2 multicast-not-a-group broadcast multicast send hi --group 192.168.1.255 --iface lo --ttl 1

# "Watch it in Wireshark" (3.1 and 3.3.2): the captures are read back with tshark, which only these outputs need.
command -v tshark >/dev/null || {
    echo "generate.sh: tshark is missing: the book's 'Watch it in Wireshark' outputs are made with it (just peers installs it)" >&2
    exit 1
}
tshark() { # tshark without its warning that it runs as root, which is not about the capture
    local status=0
    command tshark "$@" 2> "$work/tshark.err" || status=$?
    grep -v '^Running as user "root"' "$work/tshark.err" >&2 || true
    return "$status"
}
# tshark's one line per packet: number, time, source port, destination port, its summary, and udp-impair's comment.
columns='"No.","%m","Time","%t","From","%uS","To","%uD","Info","%i","Comment","%Cus:frame.comment"'
# relay NAME ARGS...: `udp-impair ARGS` in the background, its command and first lines into the output NAME; sets
# relay_pid and relay_port.
relay() {
    local name=$1; shift
    : > "$work/$name.log"
    udp-impair "$@" > "$work/$name.log" 2>&1 &
    relay_pid=$!
    wait_for_line "$work/$name.log" '^relaying'
    relay_port=$(head -1 "$work/$name.log" | grep -o '127.0.0.1:[0-9]*' | head -1)
    relay_port=${relay_port#127.0.0.1:}
    { echo "\$ $(shell_line udp-impair "$@")"; head -3 "$work/$name.log"; } > "$out/$name.txt"
}
stop_relay() { kill -INT "$relay_pid" && wait "$relay_pid"; } # Ctrl-C: the relay ends its capture file and exits 0

# Echo probes through a relay that loses 20% each way (seed 7: one probe lost going, one reply coming back).
mkdir "$work/udp"
cd "$work/udp"
relay udp-wireshark --listen 127.0.0.1:0 --to "127.0.0.1:$echo_port" --loss 20% --seed 7 --pcap echo.pcapng
show echo-client 127.0.0.1 --port "$relay_port" --count 5 --interval 0 --size 16 --timeout 200 >> "$out/udp-wireshark.txt"
stop_relay
# Here tshark's summary already says the ports (source → destination), so the columns leave them out.
show tshark -r echo.pcapng -o 'gui.column.format:"No.","%m","Time","%t","Info","%i","Comment","%Cus:frame.comment"' \
    >> "$out/udp-wireshark.txt"
# The first datagram, layer by layer, and its bytes: IPv4 header, UDP header, data.
run udp-wireshark-layers tshark -r echo.pcapng -c 1 -O udp -x

cp -r "$root/demo/tftp-root" "$work/root"
# A short timer and many retries: the lossy run below loses packets on purpose, and must still finish, quickly.
tftp-server --root "$work/root" --bind 127.0.0.1 --port 0 --rexmt 300 --retries 20 > "$work/tftp.log" 2>&1 &
tftp_port=$(first_line "$work/tftp.log" | sed 's/.*127.0.0.1:\([0-9]*\).*/\1/')
mkdir "$work/client"
cp "$root/docs/py/first_reply.py" "$work/client/"
cd "$work/client"
run tftp-trace tftp-client get 127.0.0.1 hello.txt --port "$tftp_port" --trace
# blocks.bin is 3 x 512 bytes: three full blocks, then an empty one that says "the end".
run tftp-blocks tftp-client get 127.0.0.1 blocks.bin --port "$tftp_port" --trace
run tftp-options tftp-client get 127.0.0.1 blocks.bin --port "$tftp_port" --blksize 1024 --tsize --trace
# The server refuses a name outside its folder with ERROR 2 (access violation), a missing file with ERROR 1; the
# client exits 1.
fails 1 tftp-refused tftp-client get 127.0.0.1 ../../etc/passwd --port "$tftp_port"
fails 1 tftp-not-found tftp-client get 127.0.0.1 no-such-file.txt --port "$tftp_port"
# The first reply, taken apart in Python: DATA in octet and in netascii mode (CR LF line ends), ERROR 4 for mail.
run py-first-octet python3 first_reply.py 127.0.0.1 "$tftp_port" hello.txt
run py-first-netascii python3 first_reply.py 127.0.0.1 "$tftp_port" hello.txt netascii
run py-first-mail python3 first_reply.py 127.0.0.1 "$tftp_port" hello.txt mail
# A download through a relay that drops 20% of the datagrams each way (--seed makes the drops the same each run).
# The relay writes every datagram to lossy.pcapng, each with its fate, for tshark below.
relay tftp-wireshark --listen 127.0.0.1:0 --to "127.0.0.1:$tftp_port" --loss 20% --seed 5 --pcap lossy.pcapng
run tftp-lossy tftp-client get 127.0.0.1 blocks.bin --port "$relay_port" --rexmt 300 --retries 20 --trace
stop_relay
# Neither port is 69, so tshark is told that TFTP begins on each: the relay's (the client's request arrives there)
# and the server's (the relay's goes there). Wireshark follows each transfer to its new ports by itself.
show tshark -r lossy.pcapng -d "udp.port==$relay_port,tftp" -d "udp.port==$tftp_port,tftp" \
    -o "gui.column.format:$columns" >> "$out/tftp-wireshark.txt"

# The last guard: no output may show that a program was missing or could not run, or a capture tshark cannot read.
if grep -l -e 'command not found' -e 'No such file' -e 'panicked at' -e 'Malformed Packet' "$out"/*.txt; then
    echo "generate.sh: the outputs above show a program that could not run" >&2
    exit 1
fi
echo "generated $(ls "$out" | wc -l) outputs in docs/src/generated"
