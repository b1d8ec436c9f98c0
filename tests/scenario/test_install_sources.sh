#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install's sources and leftovers: a release that cannot be published leaves no .partial,
# pruning also prunes the download cache, --from uses only the folder, not the manifest's
# absolute URLs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

mkdir -p "$T/srv"
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" "${@:2}"; }

# The same version from a second manifest, while a process runs from releases/1.0.0: the
# publish is refused (nothing changes) and the staged 1.0.0.partial does not stay behind.
rel_make "$T/srv/a" 1.0.0 1
REL_PAD=100 rel_make "$T/srv/b" 1.0.0 2
R=$T/busy
mkdir -p "$R"
expect 0 'install 1.0.0: /opt/polkadot/current is active' inst "$R" --from "$T/srv/a"
cp /bin/sleep "$R/opt/polkadot/releases/1.0.0/sleeper"
"$R/opt/polkadot/releases/1.0.0/sleeper" 300 &
sleeper=$!
PDI_CLEANUP+=("kill $sleeper 2>/dev/null")
expect 1 'release 1.0.0 is installed from another manifest and a running process executes it; stop the node first' \
        inst "$R" --from "$T/srv/b"
expect_one_error_line
[ "$(ls "$R/opt/polkadot/releases")" = 1.0.0 ] || fail "releases/ holds: $(ls "$R/opt/polkadot/releases")"
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true

# Pruning releases also prunes the cache: after the fourth release with --keep 3, the cache
# holds exactly the artifacts of the three kept releases; a leftover download of another
# goes too, a name the cache never writes stays.
for v in 1.0.0 1.1.0 1.2.0 1.3.0; do rel_make "$T/srv/$v" "$v" "${v//./}"; done
R=$T/keep
C=$R/var/cache/polkadot-installer
mkdir -p "$R"
# artifact hashes of the stored manifests of releases/VERSION...
hashes() { for v; do python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]: print(a["sha256"])' "$R/opt/polkadot/releases/$v/manifest.json"; done | sort -u; }
for v in 1.0.0 1.1.0 1.2.0; do expect 0 "install $v: " inst "$R" --from "$T/srv/$v"; done
[ "$(ls "$C" | sort)" = "$(hashes 1.0.0 1.1.0 1.2.0)" ] || fail "cache before pruning: $(ls "$C")"
printf 'half' >"$C/$(printf 'a%.0s' $(seq 64)).part"
echo mine >"$C/operator-notes"
expect 0 'removed old release 1.0.0 \(keeping 3\)' inst "$R" --from "$T/srv/1.3.0"
# (the three stand-ins of a release are the same bytes: one entry per release, plus the .part)
grep -q "removed 2 cache entries no kept release uses from /var/cache/polkadot-installer" "$T/out" ||
        { cat "$T/out"; fail "cache pruning not reported"; }
[ "$(ls "$C" | grep -v operator-notes | sort)" = "$(hashes 1.1.0 1.2.0 1.3.0)" ] ||
        fail "cache after pruning: $(ls "$C")"
[ -f "$C/operator-notes" ] || fail "a file the cache never writes was removed"
# A kept release whose manifest cannot be read: nobody knows what it needs, nothing goes.
cp -a "$C" "$T/cache-before"
echo '{' >"$R/opt/polkadot/releases/1.1.0/manifest.json"
printf 'half' >"$C/$(printf 'b%.0s' $(seq 64)).part"
expect 0 'releases/1.1.0/manifest.json: .*; keeping every cache entry' inst "$R" --from "$T/srv/1.3.0"
[ "$(ls "$C" | wc -l)" = "$(($(ls "$T/cache-before" | wc -l) + 1))" ] || fail "cache pruned: $(ls "$C")"

# A manifest from the network may not name a file on this machine, however its URL's scheme
# is spelled (HTTP:// is http).
REL_EDIT='d["artifacts"][0]["url"] = "file:///etc/passwd"' rel_make "$T/srv/local" 2.0.0 200
rel_serve "$T/srv"
R=$T/guard
mkdir -p "$R"
upper=${REL_URL/http:/HTTP:}
expect 3 "^error: install 2.0.0: manifest $upper/local/manifest.json: artifact polkadot: a file:// source in a manifest fetched over the network\$" \
        inst "$R" --manifest "$upper/local/manifest.json"
expect_one_error_line
[ ! -e "$R/opt/polkadot/releases" ] || fail "a refused manifest staged something"

# Air-gapped --from with a manifest whose artifacts have absolute URLs and mirrors: only the
# file named by the URL's last segment in the folder is read. The URL's host does not
# resolve and the mirror's server is stopped, so any network use would fail the install.
export MIRROR=$REL_URL
REL_EDIT='
import os
for a in d["artifacts"]:
    a["url"] = "https://releases.invalid/polkadot/v3.0.0/" + a["url"]
    a["mirrors"] = [os.environ["MIRROR"] + "/mirror/" + a["name"]]' rel_make "$T/srv/abs" 3.0.0 300
grep -q '"https://releases.invalid/polkadot/v3.0.0/polkadot"' "$T/srv/abs/manifest.json" || fail "REL_EDIT"
bash "$PDI_SOURCE_DIR/tests/lighttpd.sh" stop "$T/httpd" >/dev/null
R=$T/airgap
mkdir -p "$R"
expect 0 'install 3.0.0: /opt/polkadot/current is active' inst "$R" --from "$T/srv/abs"
assert_current "$R" 3.0.0
grep -Eq 'releases.invalid|/mirror/' "$T/out" && fail "--from mentioned a URL: $(cat "$T/out")"

# A manifest path the operator types may be a symlink (a "latest" link, say), as for any
# command-line tool; a FIFO in its place is refused at once, not waited on.
R=$T/linked
mkdir -p "$R"
ln -s "$T/srv/1.0.0" "$T/latest"
expect 0 'install 1.0.0: /opt/polkadot/current is active' inst "$R" --manifest "$T/latest/manifest.json"
mkdir -p "$T/fifo" "$T/empty" && mkfifo "$T/fifo/manifest.json"
expect 1 "^error: $T/fifo/manifest.json: not a regular file\$" inst "$T/empty" --manifest "$T/fifo/manifest.json"
expect_one_error_line

pass
