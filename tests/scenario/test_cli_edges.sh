#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command line's rough edges (issue 12 §7): the first word of a two-word command has its
# own help, verify fetches a manifest named by URL (and names the URL and the reason when it
# cannot), audit --quiet prints only the warning- and error-level findings, a relative --root
# is taken from the current directory, and only a non-empty NO_COLOR turns colour off.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

# ---- manifest --help, help manifest ------------------------------------------------------
for args in "manifest --help" "manifest -h" "help manifest"; do
        # shellcheck disable=SC2086
        expect 0 '^  manifest create  write a release manifest' "$PDI" $args
        grep -q '^Usage: polkadot-installer manifest COMMAND' "$T/out" || fail "$args: no usage line"
        grep -q 'unknown' "$T/out" && fail "$args: $(cat "$T/out")"
done
expect 2 "^error: manifest: a command must follow" "$PDI" manifest
expect_one_error_line
expect 2 "^error: manifest: unknown command 'manifest frob'" "$PDI" manifest frob
expect_one_error_line
expect 2 "^error: unknown command 'manifestx'" "$PDI" manifestx --help

# ---- verify --manifest URL ---------------------------------------------------------------
rel_make "$T/srv/r1" 1.0.0 1
# Fixed before the server starts (lighttpd caches what it stats): r2 without the default
# signature name, r3 with a manifest changed after signing.
mkdir "$T/srv/r2" "$T/srv/r3"
cp "$T/srv/r1/manifest.json" "$T/srv/r2/"
cp "$T/srv/r1/manifest.json.minisig" "$T/srv/r2/sig"
cp "$T/srv/r1/manifest.json" "$T/srv/r1/manifest.json.minisig" "$T/srv/r3/"
sed -i 's/"1.0.0"/"1.0.1"/' "$T/srv/r3/manifest.json"
cmp -s "$T/srv/r1/manifest.json" "$T/srv/r3/manifest.json" && fail "the tampered copy is unchanged"
rel_serve "$T/srv"
mkdir "$T/root"
expect 0 "manifest $REL_URL/r1/manifest.json: verified" \
        "$PDI" verify --root "$T/root" --manifest "$REL_URL/r1/manifest.json" --trusted-key "$T/key.pub"
grep -q '^version: *1.0.0$' "$T/out" || fail "verify over http printed no version: $(cat "$T/out")"
grep -q '^signed by: ' "$T/out" || fail "verify over http found no signature: $(cat "$T/out")"
# file:// works the same way.
expect 0 "verified" "$PDI" verify --root "$T/root" --manifest "file://$T/srv/r1/manifest.json" \
        --trusted-key "$T/key.pub"
# A manifest that is not there, a server that is not there, a scheme that is not allowed,
# a signature that is not there: one error line naming the URL and why.
expect 1 "^error: manifest $REL_URL/nope/manifest.json: not found$" \
        "$PDI" verify --root "$T/root" --manifest "$REL_URL/nope/manifest.json" --trusted-key "$T/key.pub"
expect_one_error_line
expect 1 "^error: .*http://127\.0\.0\.1:1/m\.json.*(onnect|refused)" \
        "$PDI" verify --root "$T/root" --manifest "http://127.0.0.1:1/m.json" --trusted-key "$T/key.pub"
expect_one_error_line
expect 1 "^error: .*ftp://127\.0\.0\.1/m\.json" \
        "$PDI" verify --root "$T/root" --manifest "ftp://127.0.0.1/m.json" --trusted-key "$T/key.pub"
expect_one_error_line
expect 3 "^error: .*manifest\.json.*(signature|minisig)" \
        "$PDI" verify --root "$T/root" --manifest "$REL_URL/r2/manifest.json" --trusted-key "$T/key.pub"
expect_one_error_line
# … unless the signature is named (by URL too).
expect 0 "verified" "$PDI" verify --root "$T/root" --manifest "$REL_URL/r2/manifest.json" \
        --signature "$REL_URL/r2/sig" --trusted-key "$T/key.pub"
# A tampered manifest served over http is refused as a local one is.
expect 3 "^error: " "$PDI" verify --root "$T/root" --manifest "$REL_URL/r3/manifest.json" --trusted-key "$T/key.pub"
expect_one_error_line

# ---- a relative --root -------------------------------------------------------------------
mkdir "$T/cwd" "$T/cwd/image"
(cd "$T/cwd" && "$PDI" install --root image --manifest "$T/srv/r1/manifest.json" \
        --trusted-key "$T/key.pub" -y) >"$T/out" 2>&1 || fail "install --root image (relative): $(cat "$T/out")"
TESTS_RUN=$((TESTS_RUN + 1))
assert_current "$T/cwd/image" 1.0.0
expect 0 'current' bash -c 'cd "$1/cwd" && "$2" status --root ./image' _ "$T" "$PDI"
grep -q "1.0.0" "$T/out" || fail "status --root ./image: $(cat "$T/out")"
# A relative root that does not exist is named as the absolute path it stood for.
expect 1 "^error: .*$T/cwd/missing" bash -c 'cd "$1/cwd" && "$2" status --root missing' _ "$T" "$PDI"
expect_one_error_line
expect 2 "^error: status: --root needs a directory, got ''" "$PDI" status --root ''

# ---- audit --quiet -----------------------------------------------------------------------
IMG=$T/cwd/image
# A clean install: the full table without -q, nothing with it.
rc=0
"$PDI" audit --root "$IMG" >"$T/full" 2>/dev/null || rc=$?
TESTS_RUN=$((TESTS_RUN + 1))
grep -q '^CHECK  *STATUS  *FINDING' "$T/full" || fail "audit without -q printed no table: $(cat "$T/full")"
grep -Eq '^integrity  *OK ' "$T/full" || fail "audit without -q lists no passing check: $(cat "$T/full")"
qrc=0
"$PDI" audit --root "$IMG" -q >"$T/quiet" 2>/dev/null || qrc=$?
TESTS_RUN=$((TESTS_RUN + 1))
[ "$qrc" = "$rc" ] || fail "audit -q exited $qrc, without -q $rc"
# Only WARN/ERROR lines (and their hints) remain: exactly the table's warning/error rows.
grep -Ev '^[a-z0-9-]* +(WARN|ERROR) |^ +hint: ' "$T/quiet" >"$T/other" || true
[ ! -s "$T/other" ] || fail "audit -q printed more than findings: $(cat "$T/other")"
grep -Ec ' (WARN|ERROR) ' "$T/full" >"$T/n-full" || true
grep -Ec ' (WARN|ERROR) ' "$T/quiet" >"$T/n-quiet" || true
[ "$(cat "$T/n-full")" = "$(cat "$T/n-quiet")" ] ||
        fail "audit -q has $(cat "$T/n-quiet") findings, the table $(cat "$T/n-full")"
# A damaged binary: an error-level integrity finding, printed by -q with exit 4.
printf 'x' >>"$(readlink -f "$IMG/opt/polkadot/current")/polkadot-prepare-worker"
expect 4 '^integrity  *ERROR ' "$PDI" audit --root "$IMG" --quiet
grep -q '^CHECK\|^install:\|error-level finding.*, .* warning\| OK ' "$T/out" &&
        fail "audit --quiet printed the table: $(cat "$T/out")"
grep -q '^error: audit: [0-9]* error-level finding' "$T/out" || fail "audit -q lost the summary error: $(cat "$T/out")"

# ---- NO_COLOR ----------------------------------------------------------------------------
# Colour only on a terminal: stderr on a pty. "error:" is red unless --no-color or a
# non-empty NO_COLOR (no-color.org); an empty NO_COLOR keeps colour.
on_pty() { # env-assignment-or-"-" args...
        python3 - "$@" <<'PY'
import os, pty, subprocess, sys
env = dict(os.environ)
env.pop("NO_COLOR", None)
if sys.argv[1] != "-":
    k, v = sys.argv[1].split("=", 1)
    env[k] = v
m, s = pty.openpty()
subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=s, env=env)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
print("colour" if b"\x1b[1;31merror:" in out else "plain" if b"error:" in out else "none: %r" % out)
PY
}
for c in "- colour" "NO_COLOR= colour" "NO_COLOR=1 plain" "NO_COLOR=0 plain"; do
        set -- $c
        TESTS_RUN=$((TESTS_RUN + 1))
        got=$(on_pty "$1" "$PDI" frobnicate)
        [ "$got" = "$2" ] || fail "$1: unknown command: expected $2, got $got"
        got=$(on_pty "$1" "$PDI" status --root "$T/missing")
        [ "$got" = "$2" ] || fail "$1: status: expected $2, got $got"
done
TESTS_RUN=$((TESTS_RUN + 1))
got=$(on_pty "NO_COLOR=" "$PDI" status --no-color --root "$T/missing")
[ "$got" = plain ] || fail "--no-color with an empty NO_COLOR: expected plain, got $got"
pass
