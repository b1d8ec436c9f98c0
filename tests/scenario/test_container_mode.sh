#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Container mode (install --container, issue 12 §6): in a root folder with no systemd, the
# release, the users, the base path and the settings, and nothing of systemd (no unit,
# slice, timer, enable link, network key), nothing started; the mode is kept by later runs;
# `audit --root` passes on the result. Then audit of Parity's image layout (v1.18.0 on: node
# in /usr/bin, workers in /usr/local/bin): whether the node finds its workers, by its own
# search order.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

rel_make "$T/rel" 1.16.0 5
rel_make "$T/rel2" 1.17.0 6

# An image tree: a Debian base without systemd (os-release, root in passwd), nothing else.
image_tree() { # dir
        mkdir -p "$1/etc" "$1/usr/bin" "$1/usr/local/bin"
        printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$1/etc/os-release"
        printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$1/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
}

# Nothing of systemd may be in the tree: no unit, slice or timer anywhere, no systemd dir.
no_systemd_files() { # root
        local found
        found=$(cd "$1" && find . \( -name '*.service' -o -name '*.slice' -o -name '*.timer' \
                -o -name '*.socket' -o -name '*.wants' -o -path './etc/systemd' \) -print)
        [ -z "$found" ] || fail "container mode wrote systemd files: $found"
        TESTS_RUN=$((TESTS_RUN + 1))
}

# audit --root passes (exit 0, no error) and says why it judges no unit.
audit_passes() { # root
        expect 0 '0 errors' "$PDI" audit --root "$1"
        grep -Eq '^unit +SKIP +skipped: container mode' "$T/out" ||
                { cat "$T/out" >&2; fail "audit does not skip the unit for container mode"; }
        grep -Eq '^integrity +OK' "$T/out" || { cat "$T/out" >&2; fail "integrity not OK"; }
        grep -q 'skipped: skipped' "$T/out" && { cat "$T/out" >&2; fail "a check says skipped twice"; }
        grep -Eq '^version-alignment +OK' "$T/out" || { cat "$T/out" >&2; fail "versions not OK"; }
}

R=$T/image
image_tree "$R"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --non-interactive --chain polkadot "$@"; }

# --dry-run first: the plan says container mode and has no unit or key line; nothing written.
tree_listing "$R" >"$T/before"
expect 0 "# container mode: no unit, slice or timer; the image's ENTRYPOINT runs /opt/polkadot/current/polkadot" \
        inst --container --from "$T/rel" --validator --dry-run
grep -Eq 'polkadot\.service|systemctl|generate-node-key' "$T/out" && { cat "$T/out" >&2; fail "container plan names a unit or a key"; }
tree_listing "$R" >"$T/after"
diff "$T/before" "$T/after" >&2 || fail "--dry-run --container changed the tree"
# Worker isolation needs systemd to run the spawner: refused, nothing written.
expect 2 '^error: .*--container: worker_isolation=systemd needs systemd to run the PVF spawner' \
        inst --container --from "$T/rel" --worker-isolation systemd
expect_one_error_line
tree_listing "$R" >"$T/after"
diff "$T/before" "$T/after" >&2 || fail "a refused --container --worker-isolation changed the tree"
# ... and so is the setting kept in a tree's config (a plain uninstall keeps settings): the
# run refuses it, before any release is fetched or staged.
K=$T/kept
image_tree "$K"
mkdir -p "$K/etc/polkadot-installer"
echo worker_isolation=systemd >"$K/etc/polkadot-installer/config"
expect 2 '^error: .*--container: worker_isolation=systemd needs systemd to run the PVF spawner' \
        "$PDI" install --root "$K" --trusted-key "$T/key.pub" --non-interactive --chain polkadot \
        --container --from "$T/rel"
expect_one_error_line
[ ! -e "$K/opt/polkadot" ] && [ ! -e "$K/etc/passwd.lock" ] || fail "a refused kept worker_isolation installed"
# --check --diff --json: changed, a diff with no unit in it, and still nothing written.
inst --container --from "$T/rel" --validator --check --diff --json >"$T/j" 2>"$T/e" ||
        fail "--check --container: $(cat "$T/e")"
python3 -c 'import json,sys
j=json.load(open(sys.argv[1]))
assert j["changed"] is True and j["failed"] is False and j["msg"], j
heads=[d["after_header"] for d in j.get("diff", [])]
assert heads and not [h for h in heads if "/systemd/" in h], heads' "$T/j" ||
        fail "--check --diff --json of container mode: $(cat "$T/j")"
tree_listing "$R" >"$T/after"
diff "$T/before" "$T/after" >&2 || fail "--check --container changed the tree"
TESTS_RUN=$((TESTS_RUN + 2))

# The install: a validator, so that the key is (not) made.
expect 0 'container mode: no unit, slice or timer written, nothing started' \
        inst --container --from "$T/rel" --validator --node-name img-01
grep -q 'container mode: no network key is made into the image' "$T/out" ||
        { cat "$T/out" >&2; fail "no warning about the validator's key"; }
grep -q 'systemctl' "$T/out" && { cat "$T/out" >&2; fail "container mode tells to use systemctl"; }
assert_current "$R" 1.16.0
no_systemd_files "$R"
[ ! -e "$R/var/lib/polkadot/node-key" ] || fail "a network key was baked into the image"
# The user, in the tree's own passwd: a system user, no login, not root.
IFS=: read -r _ _ uid gid _ home shell < <(grep '^polkadot:' "$R/etc/passwd") ||
        fail "no polkadot user in the tree's passwd: $(cat "$R/etc/passwd")"
[ "$uid" != 0 ] && [ "$uid" -lt 1000 ] || fail "polkadot's uid is $uid"
case "$shell" in */nologin | */false) ;; *) fail "polkadot's shell is $shell" ;; esac
grep -q '^polkadot:' "$R/etc/group" || fail "no polkadot group in the tree"
# Binaries root:root 0755 in the release, the node found by its link, the base path the user's.
for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
        [ "$(stat -c '%U:%G %a' "$R/opt/polkadot/releases/1.16.0/$f")" = "root:root 755" ] ||
                fail "$f: $(stat -c '%U:%G %a' "$R/opt/polkadot/releases/1.16.0/$f")"
done
[ "$(readlink "$R/usr/local/bin/polkadot")" = /opt/polkadot/current/polkadot ] ||
        fail "/usr/local/bin/polkadot -> $(readlink "$R/usr/local/bin/polkadot")"
[ "$(stat -c '%u:%g %a' "$R/var/lib/polkadot")" = "$uid:$gid 750" ] ||
        fail "base path: $(stat -c '%u:%g %a' "$R/var/lib/polkadot")"
TESTS_RUN=$((TESTS_RUN + 1))
audit_passes "$R"
"$PDI" audit --root "$R" --json >"$T/a.json" 2>/dev/null
python3 - "$T/a.json" <<'PY' || fail "audit JSON of the container tree: $(cat "$T/a.json")"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["target"]
assert t["kind"] == "polkadot-installer" and "container mode" in t["kind_evidence"], t
assert t["unit"] is None and t["worker_dir"] == "/opt/polkadot/releases/1.16.0", t
assert d["summary"]["errors"] == 0, d["summary"]
PY
TESTS_RUN=$((TESTS_RUN + 1))

# The mode is kept: a reinstall, an upgrade and a rollback without --container write no unit.
expect 0 'is active' inst --from "$T/rel"
no_systemd_files "$R"
expect 0 'container mode: 1.17.0 is current' "$PDI" upgrade --root "$R" --from "$T/rel2" \
        --trusted-key "$T/key.pub" --non-interactive
assert_current "$R" 1.17.0
no_systemd_files "$R"
audit_passes "$R"
expect 0 'restart the container; no unit' "$PDI" rollback --root "$R" --trusted-key "$T/key.pub" --dry-run
expect 0 'container mode: 1.16.0 is current' "$PDI" rollback --root "$R" --trusted-key "$T/key.pub"
assert_current "$R" 1.16.0
no_systemd_files "$R"
audit_passes "$R"

# --container on a tree that holds a systemd install: refused, one line, nothing changed.
S=$T/systemd-tree
image_tree "$S"
expect 0 'is active' "$PDI" install --root "$S" --from "$T/rel" --trusted-key "$T/key.pub" --non-interactive
[ -f "$S/etc/systemd/system/polkadot.service" ] || fail "the plain install wrote no unit"
root_snapshot "$S" "$T/snap.before"
expect 3 "^error: .*--container: $S holds an install with systemd units \(release 1.16.0\)" \
        "$PDI" install --root "$S" --from "$T/rel2" --trusted-key "$T/key.pub" --non-interactive --container
expect_one_error_line
root_snapshot "$S" "$T/snap.after"
diff "$T/snap.before" "$T/snap.after" >&2 || fail "a refused --container changed the tree"

# ---- audit of Parity's image layout since v1.18.0 ----------------------------------------
P=$T/parity
image_tree "$P"
echo 'parity:x:1000:1000::/polkadot:/usr/sbin/nologin' >>"$P/etc/passwd"
cp "$T/rel/polkadot" "$P/usr/bin/polkadot"
cp "$T/rel/polkadot-prepare-worker" "$T/rel/polkadot-execute-worker" "$P/usr/local/bin/"
expect 4 'the workers are in /usr/local/bin, where the node does not look \(only next to /usr/bin/polkadot, then in /usr/lib/polkadot; never PATH\): "Worker binaries could not be found"' \
        "$PDI" audit --root "$P"
grep -Eq '^workers: +\(none found\)' "$T/out" || { cat "$T/out" >&2; fail "workers said to be found"; }
grep -q 'hint: put the node and its workers in one directory, or start the node with --workers-path' "$T/out" ||
        { cat "$T/out" >&2; fail "no hint for the split image"; }
# The node as a link to /usr/local/bin: the node resolves its own path, finds them there.
mv "$P/usr/bin/polkadot" "$P/usr/local/bin/polkadot"
ln -s ../local/bin/polkadot "$P/usr/bin/polkadot"
expect 0 'they match as the node judges them' "$PDI" audit --root "$P"
grep -Eq '^workers: +/usr/local/bin$' "$T/out" || { cat "$T/out" >&2; fail "workers not found next to the resolved node"; }
# Workers in /usr/lib/polkadot: found there, the node's second place.
rm "$P/usr/bin/polkadot"
mv "$P/usr/local/bin/polkadot" "$P/usr/bin/polkadot"
mkdir -p "$P/usr/lib/polkadot"
mv "$P/usr/local/bin/polkadot-prepare-worker" "$P/usr/local/bin/polkadot-execute-worker" "$P/usr/lib/polkadot/"
expect 0 'they match as the node judges them' "$PDI" audit --root "$P"
grep -Eq '^workers: +/usr/lib/polkadot$' "$T/out" || { cat "$T/out" >&2; fail "workers in /usr/lib/polkadot not found"; }

pass
