#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install and status end to end against lighttpd on 127.0.0.1: happy path, idempotence,
# repair, dry run, upgrade by install, pruning, rollback attack, air-gapped --from.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

R="$T/root"
mkdir -p "$R" "$T/srv"
rel_make "$T/srv/1.0.0" 1.0.0 10
REL_ARCHIVE=1 rel_make "$T/srv/1.1.0" 1.1.0 11
rel_make "$T/srv/1.2.0" 1.2.0 12
rel_make "$T/srv/1.3.0" 1.3.0 13
rel_serve "$T/srv"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" "$@"; }

# Happy path: verified, staged, switched, linked, recorded.
expect 0 'install 1.0.0: /opt/polkadot/current is active' inst --manifest "$REL_URL/1.0.0/manifest.json"
assert_current "$R" 1.0.0
[ "$(readlink "$R/usr/local/bin/polkadot")" = /opt/polkadot/current/polkadot ] || fail "bin link"
[ "$(stat -c %a "$R/var/lib/polkadot-installer/state.json")" = 600 ] || fail "state mode"
[ "$(stat -c %a "$R/var/cache/polkadot-installer")" = 700 ] || fail "cache mode"
cmp "$T/srv/1.0.0/manifest.json" "$R/opt/polkadot/releases/1.0.0/manifest.json" || fail "stored manifest"
minisign -Vm "$R/opt/polkadot/releases/1.0.0/manifest.json" -p "$T/key.pub" -q || fail "stored signature"

# The same manifest again: nothing changes, and it says so.
tree_listing "$R/opt" >"$T/before"
"$PDI" install --root "$R" --trusted-key "$T/key.pub" --manifest "$REL_URL/1.0.0/manifest.json" --json >"$T/j" 2>"$T/e"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["failed"] is False, d' "$T/j" ||
        fail "second install: $(cat "$T/j")"
grep -q 'every file verifies: nothing to do' "$T/e" || fail "second install does not say so"
tree_listing "$R/opt" >"$T/after"
diff "$T/before" "$T/after" || fail "a no-op install changed the tree"

# A damaged file is repaired from the cache and reported.
echo "tampered" >>"$R/opt/polkadot/releases/1.0.0/polkadot-prepare-worker"
chmod 0777 "$R/opt/polkadot/releases/1.0.0/polkadot"
expect 0 'polkadot-prepare-worker is damaged' inst --manifest "$REL_URL/1.0.0/manifest.json"
grep -q 'releases/1.0.0/polkadot is damaged' "$T/out" || fail "mode change not reported"
assert_current "$R" 1.0.0
diff "$T/before" <(tree_listing "$R/opt") >/dev/null && fail "repair changed nothing?"
cmp "$T/srv/1.0.0/polkadot-prepare-worker" "$R/opt/polkadot/releases/1.0.0/polkadot-prepare-worker" || fail "not repaired"
# … also when the cache lost the artifact: downloaded again.
rm -rf "$R/var/cache/polkadot-installer"
echo "tampered" >>"$R/opt/polkadot/releases/1.0.0/polkadot-execute-worker"
expect 0 'polkadot-execute-worker is damaged' inst --manifest "$REL_URL/1.0.0/manifest.json"
cmp "$T/srv/1.0.0/polkadot-execute-worker" "$R/opt/polkadot/releases/1.0.0/polkadot-execute-worker" || fail "not re-downloaded"

# --dry-run prints the plan as shell commands and writes nothing at all.
tree_listing "$R" >"$T/before"
expect 0 'mv -T .*/opt/polkadot/releases/1.1.0.partial .*/opt/polkadot/releases/1.1.0' \
        inst --manifest "$REL_URL/1.1.0/manifest.json" --dry-run
grep -q "^curl -fL .* $REL_URL/1.1.0/workers.tar.zst\$" "$T/out" || fail "plan lacks the download"
grep -q '^tar -x' "$T/out" || fail "plan lacks the extraction"
diff "$T/before" <(tree_listing "$R") || fail "--dry-run wrote something"
# Under --root every location in the plan is inside the root: a line without the prefix,
# pasted, would change the host. Exempt: quoted strings (URLs, file contents), comments, the
# --trusted-key file (-p), a symlink's target (ln -sfn TARGET LINK) and /dev/stdin.
plan_outside_root() { # root planfile: prints each offending path, with its line
        python3 - "$1" "$2" <<'PY'
import re, sys
root, bad = sys.argv[1].rstrip("/") + "/", 0
for line in open(sys.argv[2]):
    cmd = re.sub(r"'[^']*'", "''", line.rstrip("\n"))
    cmd = re.sub(r"(^|\s)#.*", "", cmd)
    toks = [t.lstrip(">") for t in re.split(r"[\s=]+", cmd) if t]
    for i, t in enumerate(toks):
        if not t.startswith("/") or t == "/dev/stdin" or (i and toks[i - 1] == "-p"):
            continue
        if i >= 2 and toks[i - 2:i] == ["ln", "-sfn"]:
            continue
        if not (t + "/").startswith(root):
            print(f"{t}  in: {line.strip()}")
            bad = 1
sys.exit(bad)
PY
}
plan_outside_root "$R" "$T/out" || fail "the --root plan names paths outside the root"
grep -q "^ln -sfn /etc/systemd/system/polkadot.service $R/etc/systemd/system/multi-user.target.wants/polkadot.service " \
        "$T/out" || fail "plan: the offline enable link is not under the root"
grep -q "| install -D -m 0644 /dev/stdin $R/etc/tmpfiles.d/polkadot.conf$" "$T/out" ||
        fail "plan lacks the tmpfiles.d snippet"
grep -q "^install -D -m 0644 polkadot.conf $R/etc/sysusers.d/polkadot.conf " "$T/out" ||
        fail "plan lacks the sysusers.d snippet"
grep -q "/etc/polkadot-installer/config" "$T/out" && fail "plan rewrites an existing config without new settings"
# On an empty root the plan writes the config too, and still nothing outside the root.
mkdir -p "$T/fresh"
expect 0 "^install -D -m 0600 config $T/fresh/etc/polkadot-installer/config " \
        "$PDI" install --root "$T/fresh" --trusted-key "$T/key.pub" --manifest "$REL_URL/1.1.0/manifest.json" --dry-run
plan_outside_root "$T/fresh" "$T/out" || fail "the --root plan of an empty root names paths outside it"
[ -z "$(ls -A "$T/fresh")" ] || fail "--dry-run wrote into an empty root: $(ls -A "$T/fresh")"

# A newer release (with an archive) becomes current; the old one stays for rollback.
expect 0 'current -> releases/1.1.0 \(was 1.0.0\)' inst --manifest "$REL_URL/1.1.0/manifest.json"
assert_current "$R" 1.1.0
[ "$(stat -c '%a %U' "$R/opt/polkadot/releases/1.1.0/NOTES")" = "644 root" ] || fail "NOTES mode"
[ -d "$R/opt/polkadot/releases/1.0.0" ] || fail "previous release removed"

# Keep 3: the oldest goes once a fourth arrives.
expect 0 'active' inst --manifest "$REL_URL/1.2.0/manifest.json"
expect 0 'removed old release 1.0.0 \(keeping 3\)' inst --manifest "$REL_URL/1.3.0/manifest.json"
[ "$(ls "$R/opt/polkadot/releases")" = "$(printf '1.1.0\n1.2.0\n1.3.0')" ] || fail "kept: $(ls "$R/opt/polkadot/releases")"

# A release that a running process executes is never pruned: run the node of 1.1.0 (an ELF
# here, so that /proc/PID/exe names it), then push three newer releases.
R3="$T/root3"
mkdir -p "$R3"
cp "$R/opt/polkadot/releases/1.1.0/polkadot" "$T/node.sh"
expect 0 'active' "$PDI" install --root "$R3" --trusted-key "$T/key.pub" --prefix /srv/pd --manifest "$REL_URL/1.1.0/manifest.json"
[ "$(readlink "$R3/srv/pd/current")" = releases/1.1.0 ] || fail "--prefix not honoured"
[ "$(readlink "$R3/usr/local/bin/polkadot")" = /srv/pd/current/polkadot ] || fail "--prefix link"
cp /bin/sleep "$R3/srv/pd/releases/1.1.0/sleeper"
"$R3/srv/pd/releases/1.1.0/sleeper" 300 &
sleeper=$!
PDI_CLEANUP+=("kill $sleeper 2>/dev/null")
for v in 1.2.0 1.3.0; do
        expect 0 'active' "$PDI" install --root "$R3" --trusted-key "$T/key.pub" --prefix /srv/pd --keep 2 --manifest "$REL_URL/$v/manifest.json"
done
grep -q 'keeping release 1.1.0: a running process executes it' "$T/out" || fail "in-use release not reported"
[ -d "$R3/srv/pd/releases/1.1.0" ] || fail "a release in use was deleted"
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true
rm "$R3/srv/pd/releases/1.1.0/sleeper"

# status (text and JSON) tells the same story.
expect 0 '\* 1.3.0 +sequence 13' "$PDI" status --root "$R"
grep -q 'highest accepted sequence: 13' "$T/out" || fail "status sequence"
"$PDI" status --root "$R" --json >"$T/s"
python3 - "$T/s" <<'PY' || fail "status --json: $(cat "$T/s")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["current"] == "1.3.0" and d["previous"] == "1.2.0", d
assert [r["version"] for r in d["releases"]] == ["1.3.0", "1.2.0", "1.1.0"], d["releases"]
assert d["highest_accepted_sequence"] == 13
assert d["binaries"]["execute-worker"]["path"] == "/opt/polkadot/current/polkadot-execute-worker"
assert d["binaries"]["node"]["present"] and d["binaries"]["node"]["executable"]
assert [h["to"] for h in d["history"]] == ["1.0.0", "1.0.0", "1.0.0", "1.1.0", "1.2.0", "1.3.0"], d["history"]
assert d["interrupted_run"] is False
PY

# Rollback attack: a correctly signed older manifest is refused, the tree stays.
tree_listing "$R" >"$T/before"
expect 3 'sequence 11 is lower than the highest accepted sequence 13' inst --manifest "$REL_URL/1.1.0/manifest.json"
expect_one_error_line
diff "$T/before" <(tree_listing "$R") || fail "a refused install changed the tree"
# … unless asked on purpose, and then loudly.
expect 0 'DOWNGRADE on purpose' inst --manifest "$REL_URL/1.1.0/manifest.json" --allow-downgrade
assert_current "$R" 1.1.0

# Air-gapped: --from a folder; the network is not touched (the server is gone).
bash "$PDI_SOURCE_DIR/tests/lighttpd.sh" stop "$T/httpd" >/dev/null
R2="$T/root2"
mkdir -p "$R2"
expect 0 'install 1.1.0: /opt/polkadot/current is active' "$PDI" install --root "$R2" --from "$T/srv/1.1.0" --trusted-key "$T/key.pub"
assert_current "$R2" 1.1.0

# A release whose worker prints another version is refused before activation (the checks
# run on the staged tree), and nothing of it stays.
REL_WORKER_VERSION=1.3.9 rel_make "$T/srv/1.4.0" 1.4.0 20
tree_listing "$R2" >"$T/before"
expect 3 'release 1.4.0 refused before activation: \[version-alignment\] .*polkadot-prepare-worker.*1.3.9' \
        "$PDI" install --root "$R2" --from "$T/srv/1.4.0" --trusted-key "$T/key.pub"
expect_one_error_line
assert_current "$R2" 1.1.0
# (the cache keeps the verified downloads; releases/ saw the .partial come and go)
strip() { grep -v -e '/var/cache/' -e '^./opt/polkadot/releases d '; }
diff <(strip <"$T/before") <(tree_listing "$R2" | strip) ||
        fail "a refused release changed the tree"

# Usage errors name the flag.
expect 2 'install: --manifest URL\|PATH, --from DIR, --upstream URL\|DIR or --bundle FILE is required' \
        "$PDI" install --root "$R2"
expect 2 '--keep: at least 2' "$PDI" install --root "$R2" --from "$T/srv/1.1.0" --keep 1
expect 2 "--prefix 'rel' is not an absolute path" "$PDI" install --root "$R2" --from "$T/srv/1.1.0" --prefix rel
pass
