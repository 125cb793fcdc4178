# Socket Labs — `just` alone lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Where cargo puts the debug builds the recipes run (honours CARGO_TARGET_DIR, like cargo)
target := env_var_or_default("CARGO_TARGET_DIR", justfile_directory() / "target")
bin := target / "debug"

# List the recipes
default:
    @just --list --unsorted

# Build every program and example (debug); every recipe that runs a program depends on this or builds its own
build:
    cargo build -q --workspace --bins --examples

# Format check, clippy and rustdoc with warnings as errors, every test in the workspace, the scripts' tests, and the labs' check
test:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
    bash scripts/show-test.sh
    bash exercises/lab.sh check

# The labs in order and whether each passes yet; `just lab N` runs lab N's tests
lab N="":
    #!/usr/bin/env bash
    if [ -z "{{N}}" ]; then bash exercises/lab.sh list; else bash exercises/lab.sh run "{{N}}"; fi

# For every lab: its tests fail on the skeleton and pass with the reference solution
lab-check:
    bash exercises/lab.sh check

# Grade students' copies of exercises/ with the project's own tests: PATH is one copy or a folder with one per student
grade PATH *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -q -p labgrade
    cd "{{invocation_directory()}}"
    "{{bin}}/labgrade" "{{PATH}}" --exercises "{{justfile_directory()}}/exercises" --work "{{target}}/grade" {{ARGS}}

# Tests against real peers (tftpd-hpa, atftpd, busybox tftpd, tftp-hpa, curl, busybox tftp, Python, tshark); a missing peer fails
interop:
    cargo test --workspace -- --ignored --test-threads 1

# A simulated LAN of network namespaces for the broadcast and multicast tests, with a router (needs root and iproute2; smcroute from just peers, or unpacked on first use; removed afterwards)
netns:
    cargo build -q -p broadcast
    bash crates/broadcast/tests/netns.sh "{{bin}}/broadcast"

# Install the interop peers from Debian (needs root); atftpd conflicts with tftpd-hpa, so it is unpacked into .peers/
peers:
    #!/usr/bin/env bash
    set -euo pipefail
    need=(tftpd-hpa tftp-hpa atftp busybox netcat-openbsd curl libwrap0 libpcre2-8-0 make gcc libc6-dev bzip2 tshark)
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
    # smcrouted, the router of just netns: unpacked, not installed, since the package would also start
    # smcroute.service, a multicast router on this host itself.
    if ! command -v smcrouted >/dev/null && [ ! -x .peers/smcroute/usr/sbin/smcrouted ]; then
        echo "peers: unpacking smcroute into .peers/smcroute"
        tmp=$(mktemp -d) && chmod 777 "$tmp"
        (cd "$tmp" && apt-get download -qq smcroute </dev/null)
        mkdir -p .peers/smcroute
        dpkg-deb -x "$tmp"/smcroute_*.deb .peers/smcroute
        rm -rf "$tmp"
    fi
    echo "peers: ready"

# busybox's tftpd, built from Debian's busybox source: Debian's own builds leave the applet out. apt fetches the
# source with source entries made from this machine's own apt configuration (in a private apt state folder: the
# machine's configuration is not changed); the tarball's checksum is the one Debian's busybox_1.35.0-4+deb12u1.dsc
# gives. A minimal build (tftpd, and udpsvd, which starts tftpd per request) goes into .peers/busybox.
_busybox-tftpd:
    #!/usr/bin/env bash
    set -euo pipefail
    echo "peers: building busybox tftpd into .peers/busybox"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache" "$tmp/src"
    # Every enabled apt source, as a source-package (deb-src) entry.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] && sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$tmp/parts/$(basename "$f")"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] && sed -nE 's/^deb[[:space:]]+/deb-src /p' "$f" > "$tmp/parts/$(basename "$f").list"
    done
    # apt downloads as its own user (_apt), which must be able to write here.
    chmod -R 777 "$tmp"
    apt=(apt-get -qq -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$tmp/parts"
         -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache")
    "${apt[@]}" update
    (cd "$tmp/src" && "${apt[@]}" source --download-only busybox </dev/null)
    tarball="$tmp/src/busybox_1.35.0.orig.tar.bz2"
    [ -f "$tarball" ] || { echo "peers: apt did not bring busybox 1.35.0's source (got: $(ls "$tmp/src"))"; exit 1; }
    echo "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694  $tarball" | sha256sum -c --quiet
    tar -xjf "$tarball" -C "$tmp"
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

# A guided tour: builds every program, then runs each on loopback and shows what it does
demo: build
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:{{bin}}/examples:$PATH" NO_COLOR=1
    echo "== netlab: the pieces every program shares"
    tour
    echo; echo "== ipmask (seed 1.2): the seed's example, 192.168.1.1 with mask 255.255.255.0"
    show ipmask 192.168.1.1 255.255.255.0
    echo; show ipmask same-subnet 192.168.1.10 192.168.2.20 --mask 255.255.0.0
    echo; echo "# one network, four groups of hosts:"
    show ipmask vlsm 192.168.1.0/24 100 50 20 2
    echo; echo "== endian-demo (seed 3.3.2): byte order, and the seed's struct.pack of a read request"
    show endian-demo
    echo; show endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0
    just _demo-echo
    just _demo-chat
    just _demo-broadcast
    just _demo-impair
    just _demo-tftp
    echo; echo "demo: every program ran; \`just\` lists what else there is (labs, tests, the book)"

# Run the lab TFTP server on port 6969 over demo/tftp-root (read-only)
tftp-server *ARGS:
    cargo run -q -p tftp-server -- --root demo/tftp-root --port 6969 {{ARGS}}

# The echo step of the demo: echo-server and echo-client on loopback (seed 3.2.1)
_demo-echo:
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:$PATH"
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
    echo-server --bind 127.0.0.1 --port 0 > "$tmp/server" &
    wait_for_line "$tmp/server" "^listening on"
    first=$(head -1 "$tmp/server")
    port=${first#listening on 127.0.0.1:}; port=${port%% *}
    echo
    echo "== echo-server and echo-client (seed 3.2.1): $first"
    show echo-client 127.0.0.1 --port "$port" --count 3 --interval 100 --size 2000
    wait_for_line "$tmp/server" "." 4   # the "listening on" line and one line per datagram
    echo "server log (2000-byte datagrams come back whole; the seed's recvfrom(1024) would cut them):"
    tail -n +2 "$tmp/server" | sed 's/^/  /'

# The udp-impair step of the demo: echo-client -> udp-impair -> echo-server, with 0% and then 20% loss (seed 3.1)
_demo-impair:
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:$PATH"
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
    echo-server --bind 127.0.0.1 --port 0 --quiet > "$tmp/server" &
    wait_for_line "$tmp/server" "^listening on"
    server=$(grep -o '127.0.0.1:[0-9]*' "$tmp/server" | head -1)
    echo
    echo "== udp-impair (seed 3.1): UDP may lose datagrams; loopback never does, so a relay does it on purpose"
    for loss in 0 20; do
        udp-impair --listen 127.0.0.1:0 --to "$server" --loss "$loss%" --seed 7 > "$tmp/relay" &
        relay=$!
        wait_for_line "$tmp/relay" "relaying"
        port=$(head -1 "$tmp/relay" | grep -o '127.0.0.1:[0-9]*' | head -1); port=${port#127.0.0.1:}
        echo "\$ $(shell_line udp-impair --listen 127.0.0.1:0 --to "$server" --loss "$loss%" --seed 7)   # $(head -1 "$tmp/relay")"
        show echo-client 127.0.0.1 --port "$port" --count 50 --interval 5 --timeout 200 --quiet
        kill -INT "$relay"
        wait "$relay"
        echo "the relay's tally at Ctrl-C:"; tail -n +4 "$tmp/relay" | sed 's/^/  /'
    done
    echo "20% each way loses about 1 - 0.8 x 0.8 = 36% of round trips; the seed's programs would wait for ever on the first."

# The chat step of the demo: two udp-chat processes on fixed high loopback ports, typing from this script (seed 3.2.1)
_demo-chat:
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:$PATH"
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
    echo
    echo "== udp-chat (seed 3.2.1): chat A on 127.0.0.1:18080 and chat B on 127.0.0.1:18081, typing from this script"
    mkfifo "$tmp/a-keys" "$tmp/b-keys"
    udp-chat --bind 127.0.0.1 --port 18080 127.0.0.1 18081 < "$tmp/a-keys" > "$tmp/a" 2>&1 &
    a=$!
    udp-chat --bind 127.0.0.1 --port 18081 127.0.0.1 18080 < "$tmp/b-keys" > "$tmp/b" 2>&1 &
    b=$!
    exec 3> "$tmp/a-keys" 4> "$tmp/b-keys"
    wait_for_line "$tmp/a" "^talking to"
    wait_for_line "$tmp/b" "^talking to"
    echo '你好, A!' >&4
    wait_for_line "$tmp/a" "你好, A!"
    echo 'hello from A' >&3
    wait_for_line "$tmp/b" "hello from A"
    exec 3>&- 4>&-
    wait "$a" "$b"
    sed 's/^/  [A] /' "$tmp/a"
    sed 's/^/  [B] /' "$tmp/b"

# The broadcast step of the demo: two listeners share a port and both hear one message (seed 3.2.2, loopback only)
_demo-broadcast:
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:$PATH"
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
    echo
    echo "== broadcast (seed 3.2.2): two listeners on port 18090 of this machine, one message to 127.255.255.255"
    broadcast listen --port 18090 --count 1 > "$tmp/1" &
    one=$!
    broadcast listen --port 18090 --count 1 > "$tmp/2" &
    two=$!
    wait_for_line "$tmp/1" "^listening on"
    wait_for_line "$tmp/2" "^listening on"
    show broadcast send 'hello, everyone' --to 127.255.255.255 --port 18090
    wait "$one" "$two"
    sed 's/^/  [listener 1] /' "$tmp/1"
    sed 's/^/  [listener 2] /' "$tmp/2"
    echo "# without SO_BROADCAST the kernel refuses to send to a broadcast address (exit code 1):"
    show_fails 1 broadcast send 'no flag' --to 127.255.255.255 --port 18090 --without-so-broadcast

# The TFTP step of the demo: our server and client on loopback (seed 3.3)
_demo-tftp:
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    export PATH="{{bin}}:$PATH"
    root=$(mktemp -d); work=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$root" "$work"' EXIT
    cp -r demo/tftp-root/. "$root"/
    tftp-server --root "$root" --bind 127.0.0.1 --port 0 --create > "$work/server.log" &
    wait_for_line "$work/server.log" "^listening on"
    first=$(head -1 "$work/server.log")
    port=${first#listening on 127.0.0.1:}; port=${port%% *}
    echo
    echo "== tftp-server and tftp-client (seed 3.3): $first"
    mkdir "$work/client"
    cd "$work/client"
    echo; show tftp-client get 127.0.0.1 hello.txt --port "$port" --trace
    echo; show cat hello.txt
    echo; show tftp-client get "tftp://127.0.0.1:$port/测试.txt"
    echo; show cat 测试.txt
    printf 'uploaded by the demo\n' > notes.txt
    echo; show tftp-client put 127.0.0.1 notes.txt --port "$port" --blksize 1428 --tsize
    echo; echo "# a name outside the server's folder is refused (ERROR 2, access violation; exit code 1):"
    show_fails 1 tftp-client get 127.0.0.1 ../../etc/passwd --port "$port"
    wait_for_line "$work/server.log" "passwd"
    echo; echo "server log:"
    sed 's/^/  /' "$work/server.log"

# A short TFTP download through udp-impair at 20% loss, written to a capture (--pcap), then tshark's one-line summary of every packet with its fate (needs tshark: just peers)
capture PCAP=(target / "capture.pcapng"):
    #!/usr/bin/env bash
    set -euo pipefail
    source scripts/show.sh
    command -v tshark >/dev/null || { echo "capture: needs tshark (just peers installs it)"; exit 1; }
    cargo build -q -p tftp-server -p tftp-client -p udp-impair
    export PATH="{{bin}}:$PATH" NO_COLOR=1
    pcap=$(realpath -m "{{PCAP}}")
    tmp=$(mktemp -d)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
    # Short timers on both sides, so each loss costs 0.2 s instead of a second; --seed makes the losses repeat.
    tftp-server --root demo/tftp-root --bind 127.0.0.1 --port 0 --rexmt 200 > "$tmp/server" 2>&1 &
    wait_for_line "$tmp/server" "^listening on"
    server=$(grep -o '127.0.0.1:[0-9]*' "$tmp/server" | head -1)
    udp-impair --listen 127.0.0.1:0 --to "$server" --loss 20% --seed 3 --pcap "$pcap" > "$tmp/relay" &
    relay=$!
    wait_for_line "$tmp/relay" "^relaying"
    listen=$(head -1 "$tmp/relay" | grep -o '127.0.0.1:[0-9]*' | head -1)
    echo "== a TFTP download through udp-impair, 20% of datagrams lost each way, every one captured"
    echo "\$ $(shell_line udp-impair --listen 127.0.0.1:0 --to "$server" --loss 20% --seed 3 --pcap "$pcap")   # $(head -1 "$tmp/relay")"
    (cd "$tmp" && show tftp-client get 127.0.0.1 blocks.bin --port "${listen#*:}" --rexmt 200)
    kill -INT "$relay"
    wait "$relay"
    echo "the relay's tally at Ctrl-C:"; tail -n +4 "$tmp/relay" | sed 's/^/  /'
    echo
    echo "== the capture: the client talks to the relay's port ${listen#*:}, the relay to the server's port ${server#*:};"
    echo "   -d makes Wireshark dissect both as TFTP (they are not 69), and it follows each transfer's new ports"
    # As root, tshark warns that it runs as root: that line is not about the capture.
    tshark() { command tshark "$@" 2>&1 | grep -v '^Running as user "root"'; }
    # Columns: number, time, source port, destination port, tshark's summary, the packet's comment (its fate).
    columns='"No.","%m","Time","%t","From","%uS","To","%uD","Info","%i","Comment","%Cus:frame.comment"'
    show tshark -r "$pcap" -d "udp.port==${listen#*:},tftp" -d "udp.port==${server#*:},tftp" \
        -o "gui.column.format:$columns"
    echo
    echo "each datagram is there twice: as it arrived at the relay and as it left; a dropped one never left, and"
    echo "the same DATA or ACK arrives again after the sender's timeout. To open it in Wireshark:"
    echo "  wireshark -d udp.port==${listen#*:},tftp -d udp.port==${server#*:},tftp -r $pcap"

# Coverage-guided fuzzing of every parser of network and user input, SECONDS each (nightly; installs cargo-fuzz)
fuzz SECONDS="60" *TARGETS:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        echo "fuzz: needs a nightly toolchain beside stable: rustup toolchain install nightly"; exit 1
    fi
    cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
    cd fuzz
    targets="{{TARGETS}}"
    [ -n "$targets" ] || targets=$(cargo +nightly fuzz list)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    crashes=0
    # No sanitizer: the code is safe Rust (unsafe is forbidden), and the speed goes into more executions.
    cargo +nightly fuzz build -s none -O >/dev/null
    for target in $targets; do
        mkdir -p "$work/$target"
        # New inputs go to a scratch corpus; the committed seeds in corpus/ are only read.
        status=ok
        cargo +nightly fuzz run -s none -O "$target" "$work/$target" "corpus/$target" -- \
            -max_total_time={{SECONDS}} -print_final_stats=1 > "$work/$target.log" 2>&1 || status=CRASHED
        runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || echo 0)
        kept=$(ls "$work/$target" | wc -l)
        printf 'fuzz: %-16s %12s executions in %s s, %5s new inputs, %s\n' "$target" "$runs" "{{SECONDS}}" "$kept" "$status"
        if [ "$status" != ok ]; then
            crashes=$((crashes + 1))
            grep -m 5 -E 'panicked|artifact_prefix|Test unit written' "$work/$target.log" | sed 's/^/    /'
        fi
    done
    if [ "$crashes" != 0 ]; then
        echo "fuzz: $crashes target(s) crashed; the inputs are in fuzz/artifacts/. Fix the bug, then move each input"
        echo "      to fuzz/regressions/<target>/ so that the stable replay in just test keeps it fixed."
        exit 1
    fi

# Side-by-side benchmarks against peers, printed as ratios from one run (peers: `just peers`)
bench:
    cargo build --release -q -p labbench -p tftp-client -p tftp-server -p echo-server
    {{target}}/release/labbench echo
    {{target}}/release/labbench tftp-client
    {{target}}/release/labbench tftp-server

# Install what the book needs when it is missing: mdBook and mdbook-i18n-helpers (cargo), gettext and python3 (Debian, as root)
docs-tools:
    bash docs/tools.sh

# Build the book in English (docs/book) and Chinese (docs/book/zh-CN); outputs come from real runs (the Wireshark ones need tshark: just peers); checks includes, links, headings, coverage.tsv, the language switches and that every message is translated
docs: docs-tools build
    bash docs/generate.sh "{{bin}}"
    bash docs/build.sh
    bash docs/check.sh

# After editing the English pages: merge their new and changed messages into docs/po/zh-CN.po, to be translated
docs-po: docs-tools build
    bash docs/generate.sh "{{bin}}"
    bash docs/po.sh

# After editing a lab README (exercises/*/README.md): merge its new and changed messages into exercises/po/zh-CN.po, to be translated, and write the README.zh-CN.md files again from it
labs-po: docs-tools
    bash exercises/po/readmes.sh update

# Serve both editions of the book on http://127.0.0.1:3000 (this machine only); run `just docs` again after an edit
docs-serve: docs
    python3 -m http.server 3000 --bind 127.0.0.1 --directory docs/book

# Screenshot every page of both editions in headless Chromium into target/docs-shots, checking that each renders, its language switch works, and its tables and diagrams fit
docs-shots: docs
    bash docs/shots.sh "{{target}}/docs-shots"

# The API documentation of every crate (target/doc)
api-docs:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
