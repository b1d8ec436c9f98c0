#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Adopting a running node live (issue 14 §2), in the systemd container of container.sh, never
# the host: a node laid out as Parity's .deb does it (/usr/bin/polkadot, workers in
# /usr/lib/polkadot, /lib/systemd/system/polkadot.service reading /etc/default/polkadot, user
# polkadot with home /home/polkadot), running, with a database file, a network key and a
# keystore entry. install refuses it (still running); --adopt with a release that fails its
# health check gives the deb's unit back running; --adopt with a good release runs the node
# with the deb's chain, name and port on the deb's data; uninstall --purge starts the deb's
# node again and keeps its user. Then a hand install under validator.service, the same way.
# The data must be byte-identical (and keep owner and mode) at every step.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
source "$(dirname "$0")/container.sh"

B=/home/polkadot/.local/share/polkadot
INST=(polkadot-installer install --non-interactive --trusted-key /release/key.pub)

deb_layout() {
        mkdir -p "$CT/usr/lib/polkadot" "$CT/etc/default" "$CT/release"
        rel_binary "$CT/usr/bin/polkadot" 1.0.0
        rel_binary "$CT/usr/lib/polkadot/polkadot-prepare-worker" 1.0.0
        rel_binary "$CT/usr/lib/polkadot/polkadot-execute-worker" 1.0.0
        cat >"$CT/lib/systemd/system/polkadot.service" <<'EOF'
[Unit]
Description=Polkadot Node
After=network.target
[Service]
EnvironmentFile=-/etc/default/polkadot
ExecStart=/usr/bin/polkadot $POLKADOT_CLI_ARGS
User=polkadot
Group=polkadot
Restart=always
[Install]
WantedBy=multi-user.target
EOF
        echo 'POLKADOT_CLI_ARGS="--chain kusama --name deb-node --rpc-port 9955"' >"$CT/etc/default/polkadot"
        printf '\nPackage: polkadot\nStatus: install ok installed\nVersion: 1.0.0\nArchitecture: amd64\n' >>"$CT/var/lib/dpkg/status"
}

# data DIR: what a validator must not lose, owned by polkadot.
data() {
        ct mkdir -p "$1/chains/ksmcc3/network" "$1/chains/ksmcc3/db/full" "$1/chains/ksmcc3/keystore"
        head -c 1048576 /dev/urandom >"$CT$1/chains/ksmcc3/db/full/000042.sst"
        head -c 32 /dev/urandom >"$CT$1/chains/ksmcc3/network/secret_ed25519"
        echo '"0xsecret phrase"' >"$CT$1/chains/ksmcc3/keystore/6173676e0123"
        ct chown -R polkadot:polkadot "$1"
        ct chmod 0600 "$1/chains/ksmcc3/network/secret_ed25519"
}

# fingerprint DIR: every file's hash, owner and mode.
fingerprint() {
        (cd "$CT$1" && find . -printf '%p %y %m %U:%G %s\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

same_data() { # DIR STEP
        fingerprint "$1" >"$T/data.now"
        TESTS_RUN=$((TESTS_RUN + 1))
        diff "$T/data.$(basename "$1")" "$T/data.now" >&2 || fail "$2 changed the node's data in $1"
}

# runs UNIT EXE ARG…: the unit is active and its main process is EXE with each ARG.
runs() {
        local unit=$1 exe=$2 pid cmd
        shift 2
        for _ in $(seq 50); do
                [ "$(ct systemctl is-active "$unit")" = active ] && break
                sleep 0.2
        done
        [ "$(ct systemctl is-active "$unit")" = active ] || fail "$unit is not active: $(ct systemctl status "$unit" 2>&1 | tail -5)"
        pid=$(ct systemctl show -p MainPID --value "$unit")
        [ "$(ct readlink -f "/proc/$pid/exe")" = "$exe" ] || fail "$unit runs $(ct readlink -f "/proc/$pid/exe"), not $exe"
        cmd=$(ct cat "/proc/$pid/cmdline" | tr '\0' ' ')
        for a in "$@"; do
                [[ " $cmd " == *" $a "* ]] || fail "$unit: '$a' not in its command line: $cmd"
        done
        [ "$(ct ps -o user= -p "$pid" | tr -d ' ')" = polkadot ] || fail "$unit not run by polkadot"
        TESTS_RUN=$((TESTS_RUN + 1))
}

cache_ensure
ct_copy
deb_layout
rel_make "$T/good" 1.1.1 11
REL_ARCHIVE=1 REL_ARCHIVE_EXTRA=FAIL_AT_START rel_make "$T/bad" 1.1.0 10
rel_make "$T/good2" 1.1.2 12
REL_ARCHIVE=1 REL_ARCHIVE_EXTRA=FAIL_AT_START rel_make "$T/bad2" 1.2.0 13
rel_make "$T/good3" 1.1.3 14
for d in good bad good2 bad2 good3; do
        mkdir -p "$CT/release/$d"
        cp "$T/$d/"* "$CT/release/$d/"
done
cp "$T/key.pub" "$CT/release/"
ct_boot
ct useradd --system --home-dir /home/polkadot --create-home --shell /usr/sbin/nologin polkadot ||
        fail "useradd polkadot"
data "$B"
fingerprint "$B" >"$T/data.polkadot"
ct systemctl enable --now polkadot.service >/dev/null 2>&1 || fail "cannot start the deb's node"
runs polkadot.service /usr/bin/polkadot --chain kusama --name deb-node --rpc-port 9955

# 1. Never silently.
expect 3 'found a node this tool did not install: polkadot.service \((/usr)?/lib/systemd/system/polkadot.service\) runs /usr/bin/polkadot; pass --adopt' \
        ct "${INST[@]}" --manifest /release/good/manifest.json
runs polkadot.service /usr/bin/polkadot --chain kusama
[ ! -e "$CT/opt/polkadot" ] && [ ! -e "$CT/etc/systemd/system/polkadot.service" ] || fail "the refused install wrote"

# 2. A release that fails its health check: the deb's node comes back as it was.
expect 1 'gave polkadot.service back as it was' ct "${INST[@]}" --adopt --manifest /release/bad/manifest.json
runs polkadot.service /usr/bin/polkadot --chain kusama --name deb-node --rpc-port 9955
[ "$(ct readlink /etc/systemd/system/multi-user.target.wants/polkadot.service)" = /lib/systemd/system/polkadot.service ] ||
        fail "the deb's unit is not enabled again"
[ ! -e "$CT/etc/systemd/system/polkadot.service" ] || fail "our unit still hides the deb's"
same_data "$B" "a failed adoption"

# 3. Adopt for real.
expect 0 'adopting polkadot.service' ct "${INST[@]}" --adopt --manifest /release/good/manifest.json
runs polkadot.service /opt/polkadot/releases/1.1.1/polkadot --chain kusama --name deb-node --rpc-port 9955 --base-path "$B"
same_data "$B" "adoption"
[ "$(ct systemctl is-enabled polkadot.service)" = enabled ] || fail "ours not enabled"
# A second run changes nothing and does not restart the node.
pid=$(ct systemctl show -p MainPID --value polkadot.service)
ct "${INST[@]}" --manifest /release/good/manifest.json --json >"$T/j" || fail "second run failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False, d' "$T/j" ||
        fail "second run changed: $(cat "$T/j")"
[ "$(ct systemctl show -p MainPID --value polkadot.service)" = "$pid" ] || fail "second run restarted the node"

# The service as systemd runs it (issue 14 §3): status says it runs and since when; audit's
# service check is ok while it runs, and says so when it is stopped (warn: not a validator).
ct polkadot-installer status >"$T/status" || fail "status failed"
grep -Eq '^service: +active, running since [0-9-]+ [0-9:]+ UTC \(pid [0-9]+' "$T/status" ||
        fail "status does not say the service runs: $(cat "$T/status")"
service_check() { # STATUS [TEXT]
        ct polkadot-installer audit --json >"$T/audit.json" 2>/dev/null || true
        python3 - "$T/audit.json" "$@" <<'PY' || fail "audit service check: $(cat "$T/audit.json")"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "service"][0]
assert c["status"] == sys.argv[2], c
assert len(sys.argv) < 4 or any(sys.argv[3] in f["text"] for f in c["findings"]), c
PY
        TESTS_RUN=$((TESTS_RUN + 1))
}
service_check ok
ct systemctl stop polkadot.service
service_check warn "polkadot.service is inactive"
ct systemctl start polkadot.service

# 3b. Releases after a fallback (issue 14 §4): 1.1.0 failed (above) and a rollback to it needs
# --force; 1.1.2 good; 1.2.0 fails and falls back to 1.1.2. Pruning removes failed releases
# first, never a good one in their place.
UP=(polkadot-installer upgrade --non-interactive --trusted-key /release/key.pub --settle 1)
RB=(polkadot-installer rollback --non-interactive --trusted-key /release/key.pub --to 1.1.0)
expect 3 'rollback: release 1.1.0 failed its health check .*; pass --force to go back to it anyway' ct "${RB[@]}"
expect_one_error_line
expect 0 'releases/1\.1\.0' ct "${RB[@]}" --force --dry-run
expect 0 'answers system_health' ct "${UP[@]}" --manifest /release/good2/manifest.json
expect 1 'fell back to 1\.1\.2' ct "${UP[@]}" --manifest /release/bad2/manifest.json
runs polkadot.service /opt/polkadot/releases/1.1.2/polkadot --chain kusama
# The next upgrade prunes (a run that fell back stops before pruning), to three releases of
# 1.1.0 (failed), 1.1.1, 1.1.2, 1.2.0 (failed), 1.1.3: the two failed ones go, not 1.1.1.
expect 0 'is active' ct "${UP[@]}" --keep 3 --manifest /release/good3/manifest.json
kept=$(ls "$CT/opt/polkadot/releases" | tr '\n' ' ')
[ "$kept" = "1.1.1 1.1.2 1.1.3 " ] || fail "after the fallback, pruning to 3 kept: $kept (want 1.1.1 1.1.2 1.1.3)"
TESTS_RUN=$((TESTS_RUN + 1))
same_data "$B" "upgrades and their fallback"

# 4. uninstall --purge: the deb's node runs again; its user and data stay.
expect 0 'started polkadot.service again' ct polkadot-installer uninstall --purge --yes
runs polkadot.service /usr/bin/polkadot --chain kusama --name deb-node --rpc-port 9955
ct getent passwd polkadot >/dev/null || fail "--purge deleted the deb's user"
same_data "$B" "uninstall --purge"
echo "ok: the deb's node refused, fallen back, adopted and given back"

# 5. A hand install under validator.service.
ct systemctl disable --now polkadot.service >/dev/null 2>&1
rm "$CT/lib/systemd/system/polkadot.service"
sed -i '/^Package: polkadot$/,/^Architecture: amd64$/d' "$CT/var/lib/dpkg/status"
mkdir -p "$CT/srv/dot"
mv "$CT/usr/bin/polkadot" "$CT/usr/lib/polkadot/"* "$CT/srv/dot/"
data /srv/chain
fingerprint /srv/chain >"$T/data.chain"
cat >"$CT/etc/systemd/system/validator.service" <<'EOF'
[Service]
User=polkadot
ExecStart=/srv/dot/polkadot --chain=westend --base-path=/srv/chain --rpc-port 9966 --pruning 1000
[Install]
WantedBy=multi-user.target
EOF
ct systemctl daemon-reload
ct systemctl enable --now validator.service >/dev/null 2>&1 || fail "cannot start validator.service"
runs validator.service /srv/dot/polkadot --chain=westend
expect 3 'validator.service \(/etc/systemd/system/validator.service\) runs /srv/dot/polkadot' \
        ct "${INST[@]}" --manifest /release/good/manifest.json
expect 0 'adopting validator.service' ct "${INST[@]}" --adopt --manifest /release/good/manifest.json
runs polkadot.service /opt/polkadot/releases/1.1.1/polkadot --chain westend --base-path /srv/chain --rpc-port 9966 --pruning 1000
[ "$(ct systemctl is-active validator.service)" != active ] || fail "validator.service still runs"
same_data /srv/chain "adopting validator.service"
expect 0 'started validator.service again' ct polkadot-installer uninstall --yes
runs validator.service /srv/dot/polkadot --chain=westend
same_data /srv/chain "uninstall"
echo "ok: a hand install under validator.service adopted and given back"
ct_stop_and_check
pass
