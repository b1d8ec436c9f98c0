#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A validator's network key (issue 12 §1): polkadot >= 1.11 refuses --validator without one
# (the stand-ins of release.sh do too). install makes BASE/node-key once with the release's own
# `polkadot key generate-node-key` (run confined; the installer writes what it printed),
# owned by the node's user, 0600, passed with --node-key-file; upgrade, rollback, reinstall
# and uninstall never replace it, --purge removes it; audit reports a missing or exposed key
# and flags --unsafe-force-node-key-generation.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
R="$T/root"
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --non-interactive "$@"; }
K="$R/var/lib/polkadot/node-key"
key_audit() { # expected status of the node-key check, then a text it must contain
        "$PDI" audit --root "$R" --json >"$T/a.json" 2>/dev/null || true
        python3 - "$T/a.json" "$1" "$2" <<'PY' || fail "audit node-key: $(cat "$T/a.json")"
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["checks"] if c["id"] == "node-key"][0]
assert c["status"] == sys.argv[2], c
assert any(sys.argv[3] in f["text"] for f in c["findings"]) or not sys.argv[3], c
PY
        TESTS_RUN=$((TESTS_RUN + 1))
}

# The stand-in node refuses --validator without a key, as upstream does.
expect 1 'NetworkKeyNotFound' "$T/r1/polkadot" --validator --base-path "$T/nobase"

# A first validator install without a terminal names its chain: --non-interactive takes no
# default for it (issue 12 §4); -y does.
expect 2 '^error: install: --chain is required for a validator without a terminal or with --non-interactive' \
        inst --from "$T/r1" --validator --dry-run
expect_one_error_line
expect 0 'would make the validator' "$PDI" install --root "$R" --trusted-key "$T/key.pub" -y \
        --from "$T/r1" --validator --check
# --dry-run shows how to make it by hand (INSTALL.md section 6) and writes nothing.
expect 0 "runuser -u polkadot -- $R/opt/polkadot/current/polkadot key generate-node-key --file $R/var/lib/polkadot/node-key\\) && chmod 0600" \
        inst --from "$T/r1" --validator --chain polkadot --dry-run
[ ! -e "$R/var/lib/polkadot" ] || fail "--dry-run made the base path"

# A full node gets no key and no flag.
expect 0 'is active' inst --from "$T/r1" --chain kusama
[ ! -e "$K" ] || fail "a full node got a node key"
grep -q -- --node-key-file "$R/etc/polkadot-installer/polkadot.env" && fail "full node passes --node-key-file"
key_audit ok ''

# Becoming a validator: the key is made once, before the first start.
expect 0 'generated the node key /var/lib/polkadot/node-key with .*generate-node-key, peer id 12D3KooW' \
        inst --from "$T/r1" --validator
pid=$(grep '^polkadot:' "$R/etc/passwd" | cut -d: -f3)
[ "$(stat -c '%a %u %s' "$K")" = "600 $pid 64" ] || fail "node key $(stat -c '%a %u %s' "$K")"
grep -Eqx '[0-9a-f]{64}' <(cat "$K"; echo) || fail "node key is not 64 hex digits"
grep -q -- "--validator .*--node-key-file /var/lib/polkadot/node-key\"" "$R/etc/polkadot-installer/polkadot.env" ||
        fail "node key not passed: $(cat "$R/etc/polkadot-installer/polkadot.env")"
# The node as the unit runs it starts with that key (paths of the tree, not the host's).
"$R/opt/polkadot/current/polkadot" --validator --node-key-file "$K" >/dev/null || fail "node refuses its key"
key_audit ok ''
expect 0 'plan' inst --from "$T/r1" --dry-run --json
grep -q generate-node-key "$T/out" && fail "--dry-run plans a key that exists"
sum=$(sha256sum "$K")
# Never replaced: reinstall, upgrade, rollback, uninstall without --purge.
expect 0 'is active' inst --from "$T/r1"
grep -q 'generated the node key' "$T/out" && fail "reinstall generated a key again"
expect 0 'is active' inst --from "$T/r2"
expect 0 '' "$PDI" rollback --root "$R" --trusted-key "$T/key.pub" --non-interactive
[ "$(sha256sum "$K")" = "$sum" ] || fail "node key changed by reinstall, upgrade or rollback"
# An existing key with the wrong mode is kept and reported, never rewritten.
chmod 0644 "$K"
expect 0 'node key /var/lib/polkadot/node-key: owner .* mode 0644, expected .*kept as it is' inst --from "$T/r2"
[ "$(sha256sum "$K")" = "$sum" ] || fail "node key rewritten"
key_audit error 'has mode 0644'
chmod 0600 "$K"
chown 0:0 "$K"
key_audit error "is owned by uid 0, not by polkadot"
chown "$pid:$pid" "$K"
# A planted link is refused, nothing followed or written.
mv "$K" "$T/key.saved"
ln -s /etc/shadow "$K"
expect 3 'node key /var/lib/polkadot/node-key: not a regular file; refusing to replace it' inst --from "$T/r2"
expect_one_error_line
[ -L "$K" ] || fail "the link was replaced"
rm "$K"
# Missing: audit says the node will not start; install makes a new one.
key_audit error 'validator without a network key: /var/lib/polkadot/node-key is missing'
expect 0 'generated the node key' inst --from "$T/r2"
[ "$(sha256sum "$K")" != "$sum" ] || fail "a new key equals the old one"
mv "$T/key.saved" "$K"
# A release whose generate-node-key prints no key: the install stops, no key file.
rm "$K"
rel_make "$T/r3" 1.2.0 3
sed -i 's/printf %s "\$k"; fi/echo not-a-key; fi/' "$T/r3/polkadot"
REL_EDIT='' python3 - "$T/r3" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]; m = json.load(open(os.path.join(d, "manifest.json")))
for a in m["artifacts"]:
    if a["name"] == "polkadot":
        b = open(os.path.join(d, "polkadot"), "rb").read()
        a["sha256"] = hashlib.sha256(b).hexdigest(); a["size"] = len(b)
json.dump(m, open(os.path.join(d, "manifest.json"), "w"))
PY
rm -f "$T/r3/manifest.json.minisig"
minisign -S -s "$T/key.sec" -m "$T/r3/manifest.json" >/dev/null
expect 1 'key generate-node-key: its output is not a key' inst --from "$T/r3"
expect_one_error_line
[ ! -e "$K" ] && [ ! -e "$R/var/lib/polkadot/.node-key.new" ] || fail "a bad key was written"
expect 0 'is active' inst --allow-downgrade --from "$T/r2"
# The operator's own key: no key made, no flag added.
rm -f "$K"
expect 0 'is active' inst --allow-downgrade --from "$T/r2" --node-args "--node-key-file /srv/mine"
[ ! -e "$K" ] || fail "a key was made though the operator names one"
grep -q -- '--node-key-file /srv/mine"' "$R/etc/polkadot-installer/polkadot.env" || fail "operator's key file lost"
grep -c -- --node-key-file "$R/etc/polkadot-installer/polkadot.env" | grep -qx 1 || fail "two --node-key-file"
key_audit error 'validator without a network key: /srv/mine is missing'
# --unsafe-force-node-key-generation is flagged.
expect 0 'is active' inst --allow-downgrade --from "$T/r2" --node-args "--unsafe-force-node-key-generation"
key_audit warn 'runs with --unsafe-force-node-key-generation'
[ -s "$K" ] || fail "no key made with the unsafe flag"
sum=$(sha256sum "$K")
# uninstall keeps it; --purge takes it.
expect 0 '' "$PDI" uninstall --root "$R" --non-interactive
[ "$(sha256sum "$K")" = "$sum" ] || fail "uninstall touched the node key"
expect 0 '' "$PDI" uninstall --root "$R" --non-interactive --purge -y
[ ! -e "$K" ] || fail "uninstall --purge kept the node key"
pass
