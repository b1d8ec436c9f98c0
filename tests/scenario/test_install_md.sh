#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# INSTALL.md's manual path (issue 12 §7). 1: the commands its plain install gives (the
# marked ```sh blocks, tests/tools/install_md.py) are, with this release's values put in,
# word for word the ones `install --dry-run --root R` prints. 2: the same commands, run by
# hand in a scratch root (every location under the root, as the --root plan has them; the
# release served over HTTP on 127.0.0.1), make an install that `audit --root` passes, and
# `status --root` then writes nothing (a hand install is no interrupted run to "recover").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_root "install -o root, systemd-sysusers and systemd-tmpfiles into the scratch root"
need_cmd systemd-sysusers
need_cmd systemd-tmpfiles
need_cmd systemctl # the unit's @SYSTEMD_VERSION@, as INSTALL.md renders it

MD=$PDI_SOURCE_DIR/INSTALL.md
TOOL=$PDI_SOURCE_DIR/tests/tools/install_md.py
mkdir -p "$T/doc"
rel_make "$T/doc/rel" 1.16.0 5
rel_serve "$T/doc"
URL=$REL_URL/rel/manifest.json

# A scratch root as a Debian host has it before the install: os-release, root's accounts,
# the directories a system has. No systemd runs in it.
R=$T/root
mkdir -p "$R/etc" "$R/usr/local/bin" "$R/var/lib" "$R/var/cache" "$R/opt"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"

# The values INSTALL.md names: url, key, v, and per artifact name, sha, size, src.
python3 - "$T/doc/rel/manifest.json" "$R" "$URL" "$T/key.pub" >"$T/values.json" <<'PY'
import json, sys, urllib.parse
m, root, url, key = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
arts = [{"name": a["name"], "sha": a["sha256"], "size": a["size"],
         "src": urllib.parse.urljoin(url, a["url"])} for a in m["artifacts"]]
json.dump({"root": root, "vars": {"url": url, "key": key, "v": m["version"]},
           "artifacts": arts}, sys.stdout)
PY

# ---- 1. INSTALL.md's commands are the --dry-run's ---------------------------------------
# The plan is stdout; what the run reports goes to stderr.
"$PDI" install --root "$R" --manifest "$URL" --trusted-key "$T/key.pub" --non-interactive \
        --dry-run >"$T/plan" 2>"$T/plan.err" || { cat "$T/plan.err" >&2; fail "--dry-run failed"; }
expect 0 'commands of .*INSTALL.md are the --dry-run' python3 "$TOOL" compare "$MD" "$T/values.json" "$T/plan"
[ -z "$(find "$R" -mindepth 1 -newer "$T/values.json" -print -quit)" ] || fail "--dry-run wrote into the root"

# ---- 2. followed by hand, they make an install audit passes -------------------------------
python3 "$TOOL" script "$MD" "$T/values.json" >"$T/by-hand.sh" || fail "INSTALL.md: no script: $(cat "$T/by-hand.sh")"
mkdir -p "$T/work"
ln -s "$PDI_SOURCE_DIR/templates" "$T/work/templates"
expect 0 '' bash -c 'cd "$1" && bash "$2"' _ "$T/work" "$T/by-hand.sh"
assert_current "$R" 1.16.0
[ ! -e "$R/var/lib/polkadot-installer/state.json" ] || fail "the hand install has a state file"
grep -q '^polkadot:' "$R/etc/passwd" || fail "no polkadot user after section 5"
[ "$(stat -c '%a' "$R/var/lib/polkadot")" = 750 ] || fail "base path mode $(stat -c %a "$R/var/lib/polkadot")"
TESTS_RUN=$((TESTS_RUN + 1))

expect 0 '0 errors' "$PDI" audit --root "$R"
grep -Eq '^integrity +(OK|INFO)' "$T/out" || { cat "$T/out" >&2; fail "integrity not judged OK"; }
grep -q 'installed by hand' "$T/out" || { cat "$T/out" >&2; fail "audit does not say it is a hand install"; }
grep -Eq '^unit +(OK|WARN)' "$T/out" || { cat "$T/out" >&2; fail "the hand-rendered unit is not judged"; }

# status reads; it writes nothing into a hand install (no state file appears, nothing moves).
tree_listing "$R" >"$T/before"
expect 0 'current' "$PDI" status --root "$R"
tree_listing "$R" >"$T/after"
diff "$T/before" "$T/after" >&2 || fail "status changed the hand install"
grep -q 'recover' "$T/out" && { cat "$T/out" >&2; fail "status speaks of recovering a hand install"; }

# The hand install's manifest must verify: another key in trusted-keys, and audit says so.
cp "$T/key.pub" "$T/key.orig"
minisign -G -W -p "$T/other.pub" -s "$T/other.sec" >/dev/null
cp "$T/other.pub" "$R/etc/polkadot-installer/trusted-keys/release.pub"
expect 4 'integrity .*no /var/lib/polkadot-installer/state.json, and the stored manifest does not verify' \
        "$PDI" audit --root "$R"
cp "$T/key.orig" "$R/etc/polkadot-installer/trusted-keys/release.pub"

pass
