#!/usr/bin/env bash
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

pass
