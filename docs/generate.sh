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

for program in ipmask endian-demo echo-server echo-client broadcast tftp-client tftp-server udp-impair examples/ping; do
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
udp-impair --listen 127.0.0.1:0 --to "127.0.0.1:$tftp_port" --loss 20% --seed 5 > "$work/relay.log" 2>&1 &
relay_port=$(first_line "$work/relay.log" | grep -o '127.0.0.1:[0-9]*' | head -1)
relay_port=${relay_port#127.0.0.1:}
run tftp-lossy tftp-client get 127.0.0.1 blocks.bin --port "$relay_port" --rexmt 300 --retries 20 --trace

# The last guard: no output may show that a program was missing or could not run.
if grep -l -e 'command not found' -e 'No such file' -e 'panicked at' "$out"/*.txt; then
    echo "generate.sh: the outputs above show a program that could not run" >&2
    exit 1
fi
echo "generated $(ls "$out" | wc -l) outputs in docs/src/generated"
