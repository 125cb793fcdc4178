# Socket Labs — `just` alone lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list --unsorted

# Format check, clippy and rustdoc with warnings as errors, every test in the workspace, and the labs' check
test:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
    bash exercises/lab.sh check

# The labs in order and whether each passes yet; `just lab N` runs lab N's tests
lab N="":
    #!/usr/bin/env bash
    if [ -z "{{N}}" ]; then bash exercises/lab.sh list; else bash exercises/lab.sh run "{{N}}"; fi

# For every lab: its tests fail on the skeleton and pass with the reference solution
lab-check:
    bash exercises/lab.sh check

# Tests against real peers (tftpd-hpa, atftpd, busybox tftpd, tftp-hpa, curl, busybox tftp, Python); a missing peer fails
interop:
    cargo test --workspace -- --ignored --test-threads 1

# A simulated LAN of network namespaces for the broadcast tests (needs root and iproute2; removed afterwards)
netns:
    cargo build -q -p broadcast
    bash crates/broadcast/tests/netns.sh target/debug/broadcast

# Install the interop peers from Debian (needs root); atftpd conflicts with tftpd-hpa, so it is unpacked into .peers/
peers:
    #!/usr/bin/env bash
    set -euo pipefail
    need=(tftpd-hpa tftp-hpa atftp busybox netcat-openbsd curl libwrap0 libpcre2-8-0 make gcc libc6-dev bzip2)
    missing=()
    for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
        echo "peers: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ ! -x .peers/atftpd/usr/sbin/atftpd ]; then
        echo "peers: unpacking atftpd into .peers/atftpd"
        # apt downloads as its own user (_apt), which must be able to write here.
        tmp=$(mktemp -d) && chmod 777 "$tmp"
        (cd "$tmp" && apt-get download -qq atftpd </dev/null)
        mkdir -p .peers/atftpd
        dpkg-deb -x "$tmp"/atftpd_*.deb .peers/atftpd
        rm -rf "$tmp"
    fi
    if [ ! -x .peers/busybox/busybox ]; then
        just _busybox-tftpd
    fi
    echo "peers: ready"

# busybox's tftpd, built from Debian's busybox source: Debian's own builds leave the applet out. A minimal
# build (tftpd and udpsvd, which starts tftpd per request) into .peers/busybox; the tarball's checksum is the one
# Debian's busybox_1.35.0-4+deb12u1.dsc gives.
_busybox-tftpd:
    #!/usr/bin/env bash
    set -euo pipefail
    echo "peers: building busybox tftpd into .peers/busybox"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    curl -fsS -o "$tmp/busybox.tar.bz2" http://deb.debian.org/debian/pool/main/b/busybox/busybox_1.35.0.orig.tar.bz2
    echo "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694  $tmp/busybox.tar.bz2" | sha256sum -c --quiet
    tar -xjf "$tmp/busybox.tar.bz2" -C "$tmp"
    cd "$tmp/busybox-1.35.0"
    make -s allnoconfig >/dev/null
    for option in BUSYBOX TFTPD UDPSVD FEATURE_TFTP_GET FEATURE_TFTP_PUT FEATURE_TFTP_BLOCKSIZE; do
        sed -i "s/^# CONFIG_$option is not set/CONFIG_$option=y/" .config
    done
    # New options take their defaults (`yes` ends by SIGPIPE, which is not a failure here).
    (set +o pipefail; yes "" | make -s oldconfig >/dev/null)
    make -s -j"$(nproc)" >/dev/null 2>&1
    mkdir -p "{{justfile_directory()}}/.peers/busybox"
    cp busybox "{{justfile_directory()}}/.peers/busybox/busybox"
    "{{justfile_directory()}}/.peers/busybox/busybox" --list | grep -x tftpd >/dev/null

# A guided tour: runs every landed program on loopback and shows what it does
demo:
    cargo build -q -p netlab --example tour -p ipmask -p endian-demo -p echo-server -p udp-chat -p broadcast -p tftp-client -p tftp-server -p udp-impair
    @echo "== netlab: the pieces every program shares"
    @target/debug/examples/tour
    @echo; echo "== ipmask (seed 1.2): the seed's example, 192.168.1.1 with mask 255.255.255.0"
    @NO_COLOR=1 target/debug/ipmask 192.168.1.1 255.255.255.0
    @echo; echo "\$ ipmask same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0"
    @target/debug/ipmask same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
    @echo; echo "\$ ipmask vlsm 192.168.1.0/24 100 50 20 2   # one network, four groups of hosts"
    @target/debug/ipmask vlsm 192.168.1.0/24 100 50 20 2
    @echo; echo "== endian-demo (seed 3.3.2): byte order, and the seed's struct.pack of a read request"
    @target/debug/endian-demo
    @echo; echo "\$ endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0"
    @target/debug/endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0
    @just _demo-echo
    @just _demo-chat
    @just _demo-broadcast
    @just _demo-impair
    @just _demo-tftp

# Run the lab TFTP server on port 6969 over demo/tftp-root (read-only)
tftp-server *ARGS:
    cargo run -q -p tftp-server -- --root demo/tftp-root --port 6969 {{ARGS}}

# The echo step of the demo: echo-server and echo-client on loopback (seed 3.2.1)
_demo-echo:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$PWD/target/debug"
    coproc SERVER { exec "$bin/echo-server" --bind 127.0.0.1 --port 0; }
    trap 'kill $SERVER_PID 2>/dev/null' EXIT
    read -r first <&"${SERVER[0]}"
    port=${first#listening on 127.0.0.1:}; port=${port%% *}
    echo
    echo "== echo-server and echo-client (seed 3.2.1): $first"
    echo "\$ echo-client 127.0.0.1 --port $port --count 3 --interval 100 --size 2000"
    "$bin/echo-client" 127.0.0.1 --port "$port" --count 3 --interval 100 --size 2000
    echo "server log (2000-byte datagrams come back whole; the seed's recvfrom(1024) would cut them):"
    while read -r -t 1 line <&"${SERVER[0]}"; do echo "  $line"; done

# The udp-impair step of the demo: echo-client -> udp-impair -> echo-server, with 0% and then 20% loss (seed 3.1)
_demo-impair:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$PWD/target/debug"
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
    # Waits (at most 5 s) until the program writing file $1 has printed a line containing $2.
    ready() {
        for _ in $(seq 100); do grep -q "$2" "$1" && return; sleep 0.05; done
        echo "no '$2' line from $1"; exit 1
    }
    "$bin/echo-server" --bind 127.0.0.1 --port 0 --quiet > "$tmp/server" &
    ready "$tmp/server" "listening on"
    server=$(grep -o '127.0.0.1:[0-9]*' "$tmp/server" | head -1)
    echo
    echo "== udp-impair (seed 3.1): UDP may lose datagrams; loopback never does, so a relay does it on purpose"
    for loss in 0 20; do
        "$bin/udp-impair" --listen 127.0.0.1:0 --to "$server" --loss "$loss%" --seed 7 > "$tmp/relay" &
        relay=$!
        ready "$tmp/relay" "relaying"
        port=$(head -1 "$tmp/relay" | grep -o '127.0.0.1:[0-9]*' | head -1); port=${port#127.0.0.1:}
        echo "\$ udp-impair --listen 127.0.0.1:0 --to $server --loss $loss% --seed 7   # $(head -1 "$tmp/relay")"
        echo "\$ echo-client 127.0.0.1 --port $port --count 50 --interval 5 --timeout 200 --quiet"
        "$bin/echo-client" 127.0.0.1 --port "$port" --count 50 --interval 5 --timeout 200 --quiet || true
        kill -INT "$relay"; wait "$relay" || true
        echo "the relay's tally at Ctrl-C:"; tail -n +4 "$tmp/relay" | sed 's/^/  /'
    done
    echo "20% each way loses about 1 - 0.8 x 0.8 = 36% of round trips; the seed's programs would wait for ever on the first."

# The chat step of the demo: two udp-chat processes on fixed high loopback ports, scripted (seed 3.2.1)
_demo-chat:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$PWD/target/debug"
    echo
    echo "== udp-chat (seed 3.2.1): chat A on 127.0.0.1:18080 and chat B on 127.0.0.1:18081, typing from scripts"
    { sleep 0.3; printf '你好, A!\n'; sleep 0.6; } | "$bin/udp-chat" --bind 127.0.0.1 --port 18081 127.0.0.1 18080 | sed 's/^/  [B] /' &
    { sleep 0.5; printf 'hello from A\n'; sleep 0.6; } | "$bin/udp-chat" --bind 127.0.0.1 --port 18080 127.0.0.1 18081 | sed 's/^/  [A] /'
    wait

# The broadcast step of the demo: two listeners share a port and both hear one message (seed 3.2.2, loopback only)
_demo-broadcast:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$PWD/target/debug"
    echo
    echo "== broadcast (seed 3.2.2): two listeners on port 18090 of this machine, one message to 127.255.255.255"
    "$bin/broadcast" listen --port 18090 --count 1 | sed 's/^/  [listener 1] /' &
    "$bin/broadcast" listen --port 18090 --count 1 | sed 's/^/  [listener 2] /' &
    sleep 0.3
    echo "\$ broadcast send 'hello, everyone' --to 127.255.255.255 --port 18090"
    "$bin/broadcast" send 'hello, everyone' --to 127.255.255.255 --port 18090
    wait
    echo "\$ broadcast send 'no flag' --to 127.255.255.255 --port 18090 --without-so-broadcast"
    "$bin/broadcast" send 'no flag' --to 127.255.255.255 --port 18090 --without-so-broadcast || true

# The TFTP step of the demo: our server and client on loopback (seed 3.3)
_demo-tftp:
    #!/usr/bin/env bash
    set -euo pipefail
    bin="$PWD/target/debug"
    root=$(mktemp -d); work=$(mktemp -d)
    cp -r demo/tftp-root/. "$root"/
    coproc SERVER { exec "$bin/tftp-server" --root "$root" --bind 127.0.0.1 --port 0 --create; }
    trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$root" "$work"' EXIT
    read -r first <&"${SERVER[0]}"
    port=${first#listening on 127.0.0.1:}; port=${port%% *}
    echo
    echo "== tftp-server and tftp-client (seed 3.3): $first"
    cd "$work"
    show() { echo; echo "\$ $*"; "$@" || true; }
    show "$bin/tftp-client" get 127.0.0.1 hello.txt --port "$port" --trace
    show cat hello.txt
    show "$bin/tftp-client" get "tftp://127.0.0.1:$port/测试.txt"
    show cat 测试.txt
    printf 'uploaded by the demo\n' > notes.txt
    show "$bin/tftp-client" put 127.0.0.1 notes.txt --port "$port" --blksize 1428 --tsize
    show "$bin/tftp-client" get 127.0.0.1 ../../etc/passwd --port "$port"
    echo; echo "server log:"
    while read -r -t 2 line <&"${SERVER[0]}"; do echo "  $line"; done

# Side-by-side benchmarks against peers, printed as ratios from one run (peers: `just peers`)
bench:
    cargo build --release -q -p labbench -p tftp-client -p tftp-server -p echo-server
    target/release/labbench echo
    target/release/labbench tftp-client
    target/release/labbench tftp-server

# Build the book (docs/book): outputs come from real runs; includes, anchors and links are checked
docs:
    cargo build -q -p netlab --example tour -p ipmask -p endian-demo -p echo-server -p broadcast -p tftp-client -p tftp-server -p udp-impair --example ping
    bash docs/generate.sh
    mdbook build docs
    bash docs/check.sh

# Serve the book on http://127.0.0.1:3000 while you read or edit it
docs-serve: docs
    mdbook serve docs --hostname 127.0.0.1 --port 3000

# The API documentation of every crate (target/doc)
api-docs:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
