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

for program in ipmask endian-demo echo-server echo-client broadcast tftp-client tftp-server examples/ping; do
    [ -x "$bin/$program" ] || { echo "generate.sh: $bin/$program is missing: build it first (just docs does)" >&2; exit 1; }
done

run() { # run NAME COMMAND...: "$ COMMAND" and its output into generated/NAME.txt; the command must succeed
    local name=$1; shift
    show "$@" > "$out/$name.txt"
}
fails() { # fails CODE NAME COMMAND...: the same for a command that must fail with exit code CODE
    local code=$1 name=$2; shift 2
    show_fails "$code" "$@" > "$out/$name.txt"
}

run ipmask-seed ipmask 192.168.1.1 255.255.255.0
run ipmask-campus ipmask 172.16.20.5/16 --json
run ipmask-same-subnet ipmask same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
run ipmask-vlsm ipmask vlsm 192.168.1.0/24 100 50 20 2
run endian-tour endian-demo
run endian-pack endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0
run endian-rrq endian-demo rrq 测试.txt
run endian-calcsize endian-demo calcsize '@ci'
{ echo '$ cargo run -p udp-impair --example ping'; ping; } > "$out/impair-ping.txt"
# Without SO_BROADCAST the kernel refuses a broadcast destination (EACCES): exit 1.
fails 1 broadcast-refused broadcast send 'no flag' --to 127.255.255.255 --port 18091 --without-so-broadcast

# Servers run in the background on port 0; their first line says where.
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
first_line() { timeout 10 bash -c 'until [ -s "$1" ]; do sleep 0.05; done; head -1 "$1"' _ "$1"; }

echo-server --bind 127.0.0.1 --port 0 > "$work/echo.log" &
echo_port=$(first_line "$work/echo.log" | sed 's/.*127.0.0.1:\([0-9]*\).*/\1/')
run echo-ping echo-client 127.0.0.1 --port "$echo_port" --count 3 --interval 0 --size 2000

cp -r "$root/demo/tftp-root" "$work/root"
tftp-server --root "$work/root" --bind 127.0.0.1 --port 0 > "$work/tftp.log" &
tftp_port=$(first_line "$work/tftp.log" | sed 's/.*127.0.0.1:\([0-9]*\).*/\1/')
cd "$work"
run tftp-trace tftp-client get 127.0.0.1 hello.txt --port "$tftp_port" --trace
run tftp-options tftp-client get 127.0.0.1 blocks.bin --port "$tftp_port" --blksize 1024 --tsize --trace
# The server refuses a name outside its folder with ERROR 2 (access violation); the client exits 1.
fails 1 tftp-refused tftp-client get 127.0.0.1 ../../etc/passwd --port "$tftp_port"

# The last guard: no output may show that a program was missing or could not run.
if grep -l -e 'command not found' -e 'No such file' -e 'panicked at' "$out"/*.txt; then
    echo "generate.sh: the outputs above show a program that could not run" >&2
    exit 1
fi
echo "generated $(ls "$out" | wc -l) outputs in docs/src/generated"
