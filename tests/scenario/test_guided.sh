#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The guided setup through a real terminal: tmux runs `install` in a pane, the test reads the
# screen and types, as an operator would. A signed release is served by lighttpd on
# 127.0.0.1, the install goes into a temporary --root. Covered: defaults taken, plan, proceed;
# refused answers explained and asked again; a port used twice sends back to that port;
# customise from the plan; cancel and Ctrl-C leave the root byte for byte as it was; a
# settings flag answers its question; a release not for the chain sends back to the chain;
# a manifest no trusted key signed asks for the key; a manifest changed after the plan was
# shown is refused; an environment variable answers its question as a flag does (shown with
# its name, a flag over it); -y, --check, --dry-run, --json and --non-interactive on a
# terminal never ask.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd tmux

mkdir -p "$T/srv"
rel_make "$T/srv/rel" 1.0.0 1
REL_EDIT='d["chains"] = ["kusama"]' rel_make "$T/srv/ksm" 1.0.0 1
rel_serve "$T/srv"
M="$REL_URL/rel/manifest.json"

# A private tmux server (its socket in $T), killed at the end; a dead pane stays, so that its
# screen can be read.
printf 'set -g remain-on-exit on\nset -g history-limit 20000\n' >"$T/tmux.conf"
tm() { tmux -S "$T/tmux.sock" -f "$T/tmux.conf" "$@"; }
PDI_CLEANUP+=("tmux -S '$T/tmux.sock' kill-server >/dev/null 2>&1")

SEEN=0 # the screen line of the last prompt answered
# start NAME ARGS...: `polkadot-installer install ARGS` in a new session NAME, with the
# environment variables of the array START_ENV (VAR=value ...) when set. The shell
# around it writes its exit status to $T/NAME.rc, as a shell reports it (128 + N when a
# signal N killed it); its trap only keeps the shell alive through Ctrl-C (the installer
# gets the default SIGINT: a caught signal is reset by exec).
start() {
        local name=$1
        shift
        SEEN=0
        tm new-session -d -s "$name" -x 250 -y 50 bash -c \
                'trap : INT; rc=$1; shift; "$@"; echo $? >"$rc"' run "$T/$name.rc" \
                env "${START_ENV[@]}" "$PDI" install "$@"
}
START_ENV=()
screen() { tm capture-pane -p -J -S - -t "$1"; }
dead() { [ -e "$T/$1.rc" ] && echo 1 || tm display -p -t "$1" '#{pane_dead}'; }
# The last non-empty line of the screen, and its number.
last_line() { screen "$1" | awk 'NF { n = NR; l = $0 } END { print n + 0 "\t" l }'; }

# ask NAME PREFIX ANSWER [DEFAULT]: wait for a new prompt starting with PREFIX ("… [DEFAULT]: "
# with that default when given), type ANSWER.
ask() {
        local name=$1 prefix=$2 answer=$3 def=${4-} i n line
        for ((i = 0; i < 300; i++)); do
                IFS=$'\t' read -r n line < <(last_line "$name")
                if [ "$n" -gt "$SEEN" ] && [[ $line == "$prefix"* ]] && [[ $line =~ \]:\ ?$ ]] &&
                        { [ -z "$def" ] || [[ $line == *" [$def]:"* ]]; }; then
                        SEEN=$n
                        tm send-keys -t "$name" -l -- "$answer"
                        tm send-keys -t "$name" Enter
                        TESTS_RUN=$((TESTS_RUN + 1))
                        return 0
                fi
                if [ "$(dead "$name")" = 1 ]; then
                        screen "$name" >&2
                        fail "$name: the installer ended before asking '$prefix'"
                fi
                sleep 0.1
        done
        screen "$name" >&2
        fail "$name: no prompt '$prefix' (last line: $line)"
}

# finish NAME CODE: wait for the installer to end with exit code CODE. The screen is left in
# $T/out.
finish() {
        local name=$1 want=$2 i st=
        for ((i = 0; i < 300; i++)); do
                [ -s "$T/$name.rc" ] && break
                sleep 0.1
        done
        st=$(cat "$T/$name.rc" 2>/dev/null || true)
        screen "$name" >"$T/out"
        TESTS_RUN=$((TESTS_RUN + 1))
        [ "$st" = "$want" ] || { cat "$T/out" >&2; fail "$name: ended with '$st', want $want"; }
}

# seen NAME REGEX: the screen shows a line matching REGEX (grep -E), within 30 seconds.
seen() {
        local i
        for ((i = 0; i < 300; i++)); do
                screen "$1" | grep -Eq -- "$2" && return 0
                sleep 0.1
        done
        screen "$1" >&2
        fail "$1: no /$2/ on the screen"
}

new_root() {
        mkdir -p "$1/etc"
        printf 'ID=debian\nVERSION_ID=12\n' >"$1/etc/os-release"
}

# The eight questions in order, the flags that answer them aside.
Q_CHAIN='Chain (' Q_NAME='Node name (' Q_BASE='Base path (' Q_VAL='Run as a validator?'
Q_RPC='JSON-RPC port' Q_PROM='Prometheus metrics port' Q_TEL='Telemetry (' Q_ISO='PVF worker isolation ('
Q_PLAN='1) proceed  2) customise  3) cancel'
# Every question, in order: a question added to cli/prompt.c is one more entry here (and
# one more `ask` in parts 2 and its customise, which answer each by name).
QS=("$Q_CHAIN" "$Q_NAME" "$Q_BASE" "$Q_VAL" "$Q_RPC" "$Q_PROM" "$Q_TEL" "$Q_ISO")

# 1. Every default taken: the plan is shown (the lines --dry-run prints), Enter proceeds,
# the release is installed and the config holds the defaults.
R1="$T/r1"
new_root "$R1"
start s1 --root "$R1" --manifest "$M" --trusted-key "$T/key.pub"
for q in "${QS[@]}"; do ask s1 "$q" ""; done
ask s1 "$Q_PLAN" ""
finish s1 0
grep -q '^The plan: what this install writes, creates and starts' "$T/out" || fail "no plan: $(cat "$T/out")"
"$PDI" install --root "$R1" --manifest "$M" --trusted-key "$T/key.pub" --dry-run -y >"$T/dry" 2>/dev/null ||
        fail "dry-run after the install"
grep -qF "  ln -sfn /opt/polkadot/current/polkadot $R1/usr/local/bin/polkadot" "$T/out" &&
        grep -qF "  systemd-tmpfiles --root=$R1 --create $R1/etc/tmpfiles.d/polkadot.conf   # $R1/var/lib/polkadot, 0750, owned by polkadot" "$T/out" &&
        grep -qF "  echo 'POLKADOT_ARGS=\"--chain polkadot --base-path /var/lib/polkadot\"' | install -D -m 0600 /dev/stdin $R1/etc/polkadot-installer/polkadot.env" "$T/out" ||
        fail "the plan lacks what --dry-run prints: $(cat "$T/out")"
grep -q 'install 1.0.0: .* is active' "$T/out" || fail "not installed: $(cat "$T/out")"
assert_current "$R1" 1.0.0
cfg="$R1/etc/polkadot-installer/config"
grep -qx 'chain=polkadot' "$cfg" && grep -qx 'validator=no' "$cfg" && grep -qx 'rpc_port=' "$cfg" &&
        grep -qx 'no_telemetry=no' "$cfg" && grep -qx 'base_path=/var/lib/polkadot' "$cfg" ||
        fail "config: $(cat "$cfg")"

# 2. Refused answers are explained and asked again; a port used twice sends back to the port
# question once every answer is in (never an exit); customise from the plan asks again with
# the answers as defaults, and the new plan shows the change.
R2="$T/r2"
new_root "$R2"
start s2 --root "$R2" --manifest "$M" --trusted-key "$T/key.pub"
ask s2 "$Q_CHAIN" westend
ask s2 "$Q_NAME" "my node"
seen s2 "^  setting node_name: 'my node' has a blank$"
ask s2 "$Q_NAME" val-01
ask s2 "$Q_BASE" ""
ask s2 "$Q_VAL" maybe
seen s2 "^  setting validator: 'maybe' is not yes or no$"
ask s2 "$Q_VAL" yes
ask s2 "$Q_RPC" 99999
seen s2 "^  setting rpc_port: '99999' is not a port from 1 to 65535$"
ask s2 "$Q_RPC" 9944
ask s2 "$Q_PROM" 9944
ask s2 "$Q_TEL" off
ask s2 "$Q_ISO" sandbox
seen s2 "^  setting worker_isolation: 'sandbox' is neither systemd nor none$"
ask s2 "$Q_ISO" systemd
seen s2 '^  setting prometheus_port: port 9944 is the rpc_port already$'
ask s2 "$Q_PROM" 9615 9944
ask s2 "$Q_PLAN" 2
seen s2 "POLKADOT_ARGS=\"--chain westend --base-path /var/lib/polkadot --name val-01 --validator --rpc-port 9944 --prometheus-port 9615 --no-telemetry"
ask s2 "$Q_CHAIN" kusama westend
ask s2 "$Q_NAME" "" val-01
ask s2 "$Q_BASE" "" /var/lib/polkadot
ask s2 "$Q_VAL" "" yes
ask s2 "$Q_RPC" "" 9944
ask s2 "$Q_PROM" "" 9615
ask s2 "$Q_TEL" "" off
ask s2 "$Q_ISO" "" systemd
ask s2 "$Q_PLAN" 1
finish s2 0
grep -q '"--chain kusama --base-path /var/lib/polkadot --name val-01 --validator' "$T/out" ||
        fail "the new plan does not show the new chain: $(cat "$T/out")"
[ "$(grep -c '^The plan: ' "$T/out")" = 2 ] || fail "expected two plans: $(cat "$T/out")"
cfg="$R2/etc/polkadot-installer/config"
grep -qx 'chain=kusama' "$cfg" && grep -qx 'node_name=val-01' "$cfg" && grep -qx 'validator=yes' "$cfg" &&
        grep -qx 'rpc_port=9944' "$cfg" && grep -qx 'prometheus_port=9615' "$cfg" &&
        grep -qx 'no_telemetry=yes' "$cfg" && grep -qx 'worker_isolation=systemd' "$cfg" ||
        fail "config: $(cat "$cfg")"
[ -x "$R2/opt/polkadot/pvf/1.0.0/polkadot-prepare-worker" ] || fail "worker isolation not installed"
[ -s "$R2/var/lib/polkadot/node-key" ] || fail "the validator's node key was not made"
assert_current "$R2" 1.0.0

# 3. Cancel at the plan: exit 1, and the root is exactly as before (every entry, mode, owner,
# size, mtime and hash; no lock, no state, no cache).
R3="$T/r3"
new_root "$R3"
tree_listing "$R3" >"$T/r3.before"
start s3 --root "$R3" --manifest "$M" --trusted-key "$T/key.pub"
for q in "${QS[@]}"; do ask s3 "$q" ""; done
ask s3 "$Q_PLAN" 3
finish s3 1
grep -q '^error: setup cancelled; nothing was changed$' "$T/out" || fail "no cancel message: $(cat "$T/out")"
tree_listing "$R3" >"$T/r3.after"
diff "$T/r3.before" "$T/r3.after" >&2 || fail "cancel changed the root"
[ ! -e "$R3/var" ] || fail "cancel left $(find "$R3/var")"

# 4. Ctrl-C in the middle of the questions: the installer dies of SIGINT (a shell reports
# exit 130) and the root is exactly as before.
R4="$T/r4"
new_root "$R4"
tree_listing "$R4" >"$T/r4.before"
start s4 --root "$R4" --manifest "$M" --trusted-key "$T/key.pub"
ask s4 "$Q_CHAIN" kusama
ask s4 "$Q_NAME" val-02
ask s4 "$Q_BASE" /srv/polkadot
ask s4 "$Q_VAL" ""
tm send-keys -t s4 C-c
finish s4 130
tree_listing "$R4" >"$T/r4.after"
diff "$T/r4.before" "$T/r4.after" >&2 || fail "Ctrl-C changed the root"

# 5. A settings flag answers its question: shown as given, not asked; the rest is asked.
R5="$T/r5"
new_root "$R5"
start s5 --root "$R5" --manifest "$M" --trusted-key "$T/key.pub" --chain kusama
for q in "${QS[@]:1}"; do ask s5 "$q" ""; done
ask s5 "$Q_PLAN" ""
finish s5 0
grep -qx 'chain: kusama (given by --chain)' "$T/out" || fail "the flag's answer not shown: $(cat "$T/out")"
grep -q '^Chain (' "$T/out" && fail "asked for the chain although --chain gave it"
grep -qx 'chain=kusama' "$R5/etc/polkadot-installer/config" || fail "config: $(cat "$R5/etc/polkadot-installer/config")"

# 6. A release cut for kusama only, the default chain taken: after the last question the
# refusal is shown and the chain asked again (no exit); kusama installs.
R6="$T/r6"
new_root "$R6"
start s6 --root "$R6" --manifest "$REL_URL/ksm/manifest.json" --trusted-key "$T/key.pub"
for q in "${QS[@]}"; do ask s6 "$q" ""; done
seen s6 'release 1.0.0 is only for chain\(s\) kusama, this node is configured for polkadot$'
ask s6 "$Q_CHAIN" kusama
ask s6 "$Q_PLAN" ""
finish s6 0
grep -qx 'chain=kusama' "$R6/etc/polkadot-installer/config" || fail "config: $(cat "$R6/etc/polkadot-installer/config")"

# 7. No trusted key: before any question, the key is asked for; a key that did not sign is
# refused (asked again), the signer's is taken and kept (and only it).
minisign -G -W -p "$T/other.pub" -s "$T/other.sec" >/dev/null
R7="$T/r7"
new_root "$R7"
start s7 --root "$R7" --manifest "$M"
ask s7 'Public key that signs these releases' "$T/none.pub"
seen s7 "^  trusted key '$T/none.pub': "
ask s7 'Public key that signs these releases' "$T/other.pub"
seen s7 "not signed by any trusted key"
ask s7 'Public key that signs these releases' "$T/key.pub"
for q in "${QS[@]}"; do ask s7 "$q" ""; done
ask s7 "$Q_PLAN" ""
finish s7 0
grep -q '^  no trusted keys' "$T/out" || fail "no reason for asking the key: $(cat "$T/out")"
[ "$(grep -c '^Public key that signs' "$T/out")" = 3 ] || fail "the wrong key was not refused: $(cat "$T/out")"
kept=$(ls "$R7/etc/polkadot-installer/trusted-keys" 2>/dev/null || true)
[ "$(echo "$kept" | wc -l)" = 1 ] && cmp -s "$R7/etc/polkadot-installer/trusted-keys/$kept" "$T/key.pub" ||
        fail "kept keys: $kept"
assert_current "$R7" 1.0.0

# 8. The plan shown is the release installed: a manifest that changed between the plan and
# "proceed" (here a newer one put in the --from folder) is refused, nothing installed.
rel_make "$T/usb" 1.0.0 1
R8="$T/r8"
new_root "$R8"
start s8 --root "$R8" --from "$T/usb" --trusted-key "$T/key.pub"
for q in "${QS[@]}"; do ask s8 "$q" ""; done
seen s8 '^  # polkadot 1\.0\.0, sequence 1 '
rel_make "$T/usb" 1.0.1 2
ask s8 "$Q_PLAN" ""
finish s8 1
grep -q "^error: install 1.0.1: manifest $T/usb/manifest.json: changed since the plan was shown (now polkadot 1.0.1); nothing was written, run again$" "$T/out" ||
        fail "a manifest changed after the plan was not refused: $(cat "$T/out")"
[ ! -e "$R8/opt/polkadot" ] && [ ! -e "$R8/etc/polkadot-installer/config" ] || fail "installed although the manifest changed"

# 9. POLKADOT_INSTALLER_* on a terminal: an answer, as a flag is (the precedence is the same
# with and without a terminal): shown with the variable's name, not asked; a flag over it
# wins and is named instead.
R9="$T/r9"
new_root "$R9"
START_ENV=(POLKADOT_INSTALLER_CHAIN=westend POLKADOT_INSTALLER_NODE_NAME=env-node)
start s9 --root "$R9" --manifest "$M" --trusted-key "$T/key.pub" --chain kusama
START_ENV=()
for q in "${QS[@]:2}"; do ask s9 "$q" ""; done
ask s9 "$Q_PLAN" ""
finish s9 0
grep -qx 'node_name: env-node (given by POLKADOT_INSTALLER_NODE_NAME)' "$T/out" ||
        fail "the variable's answer not shown with its name: $(cat "$T/out")"
grep -qx 'chain: kusama (given by --chain)' "$T/out" || fail "the flag over the variable not shown: $(cat "$T/out")"
grep -Eq '^(Chain|Node name) \(' "$T/out" && fail "asked what the variable or the flag gave: $(cat "$T/out")"
grep -qx 'chain=kusama' "$R9/etc/polkadot-installer/config" && grep -qx 'node_name=env-node' "$R9/etc/polkadot-installer/config" ||
        fail "config: $(cat "$R9/etc/polkadot-installer/config")"

# 10. On a terminal, -y, --check, --dry-run, --json and --non-interactive never ask: each
# ends by itself (a prompt would wait for ever) and its screen has no question. -y installs
# with the defaults; --check and --dry-run write nothing; --json and --non-interactive take
# no default for a validator's chain (exit 2 naming --chain).
R10="$T/r10"
new_root "$R10"
tree_listing "$R10" >"$T/r10.before"
no_question() {
        ! grep -Eq '^First install: a few questions|^Chain \(|proceed  2\) customise' "$T/out" ||
                fail "$1 on a terminal asked: $(cat "$T/out")"
}
start c1 --root "$R10" --manifest "$M" --trusted-key "$T/key.pub" --check
finish c1 0
no_question --check
grep -q '^would ' "$T/out" || fail "--check said nothing: $(cat "$T/out")"
start c2 --root "$R10" --manifest "$M" --trusted-key "$T/key.pub" --dry-run
finish c2 0
no_question --dry-run
tree_listing "$R10" >"$T/r10.after"
diff "$T/r10.before" "$T/r10.after" >&2 || fail "--check or --dry-run on a terminal changed the root"
for how in --json --non-interactive; do
        start "c${how#--}" --root "$R10" --manifest "$M" --trusted-key "$T/key.pub" --validator "$how"
        finish "c${how#--}" 2
        no_question "$how"
        grep -q -- '--chain is required for a validator' "$T/out" || fail "$how: $(cat "$T/out")"
done
start c3 --root "$R10" --manifest "$M" --trusted-key "$T/key.pub" -y
finish c3 0
no_question -y
grep -qx 'chain=polkadot' "$R10/etc/polkadot-installer/config" || fail "-y: config: $(cat "$R10/etc/polkadot-installer/config")"
assert_current "$R10" 1.0.0

pass
