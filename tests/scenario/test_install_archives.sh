#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install with hostile archives: tests/fixtures/hostile_archives.py writes each archive and its
# expected outcome (cases.tsv); every row becomes a signed release (served by lighttpd on
# 127.0.0.1) whose execute-worker artifact is that archive, installed onto a root that already
# runs a good 1.0.0. A refusal must exit with the row's code and message on one error line and
# leave the previous install exactly as it was; a good control must install.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd python3

DOC="$T/www"
mkdir -p "$DOC"
python3 "$PDI_SOURCE_DIR/tests/fixtures/hostile_archives.py" "$T/cases"
[ -s "$T/cases/cases.tsv" ] || fail "hostile_archives.py wrote no cases.tsv"
rel_serve "$DOC"

rel_base_root "$DOC"

no_partial() { # root
        local left
        left=$(find "$1" -name '*.partial' -o -name '.repair-*')
        [ -z "$left" ] || fail "left behind: $left"
}

# Archives aim at /tmp/evil; it must not appear (only checked when it is absent at the start).
evil_absent=0
[ -e /tmp/evil ] || evil_absent=1
hostile=0 good=0 n=0
{
        read -r _header
        while IFS=$'\t' read -r file format files code regex; do
                n=$((n + 1))
                stem=${file%%.tar*}
                # Good controls carry the fixture's 1.16.0 worker: the release must be 1.16.0
                # too, or the version alignment check refuses it (as it should).
                version="1.1.$n"
                [ "$code" = 0 ] && version=1.16.0
                dir="$DOC/$stem"
                mkdir -p "$dir"
                cp "$T/cases/$file" "$dir/$file"
                # Replace the execute-worker artifact by the archive, as the row declares it.
                CASE_FILE=$file CASE_FORMAT=$format CASE_FILES=$files \
                REL_EDIT='
import hashlib, json, os
fn = os.environ["CASE_FILE"]
b = open(os.path.join(d_, fn), "rb").read()
d["artifacts"] = [a for a in d["artifacts"] if a["role"] != "execute-worker"] + [{
    "name": fn, "role": "execute-worker", "url": fn,
    "sha256": hashlib.sha256(b).hexdigest(), "size": len(b),
    "format": os.environ["CASE_FORMAT"], "files": json.loads(os.environ["CASE_FILES"])}]
' rel_make "$dir" "$version" $((n + 1))
                R="$T/root-$stem"
                cp -a "$BASE" "$R"
                root_snapshot "$R" "$T/before"
                cmd=("$PDI" install --root "$R" --manifest "$REL_URL/$stem/manifest.json"
                        --trusted-key "$T/key.pub")
                if [ "$code" = 0 ]; then
                        expect 0 "install $version: .* is active" "${cmd[@]}"
                        grep -q '^error: ' "$T/out" && fail "$stem: error line on success"
                        [ "$(readlink "$R/opt/polkadot/current")" = "releases/$version" ] ||
                                fail "$stem: current is $(readlink "$R/opt/polkadot/current")"
                        rd="$R/opt/polkadot/releases/$version"
                        for f in polkadot polkadot-prepare-worker; do
                                [ "$("$rd/$f" --version)" = "$version" ] || fail "$stem: $f"
                        done
                        python3 - "$rd" "$files" <<'PY' || fail "$stem: extracted files differ"
import hashlib, json, os, sys
rd, files = sys.argv[1], json.loads(sys.argv[2])
for f in files:
    p = os.path.join(rd, f["path"])
    st = os.lstat(p)
    want = 0o755 if f["path"] == "polkadot-execute-worker" else 0o644
    assert (st.st_mode & 0o7777) == want and st.st_uid == 0, (p, oct(st.st_mode))
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == f["sha256"], p
names = sorted(os.listdir(rd))
extra = set(names) - {f["path"] for f in files} - {
    "polkadot", "polkadot-prepare-worker", "manifest.json", "manifest.json.minisig"}
assert not extra, extra
PY
                        "$R/opt/polkadot/current/polkadot-execute-worker" >/dev/null ||
                                fail "$stem: the extracted worker does not run"
                        no_partial "$R"
                        good=$((good + 1))
                else
                        [ "$code" = 3 ] || fail "$stem: unexpected expected code $code"
                        expect "$code" "$regex" "${cmd[@]}"
                        expect_one_error_line
                        grep -q "^error: .*$file" "$T/out" ||
                                { cat "$T/out" >&2; fail "$stem: the error does not name $file"; }
                        root_snapshot "$R" "$T/after"
                        diff -u "$T/before" "$T/after" >&2 || fail "$stem: the root changed"
                        assert_current "$R" 1.0.0
                        no_partial "$R"
                        hostile=$((hostile + 1))
                fi
                rm -rf "$R" "$dir"
        done
} <"$T/cases/cases.tsv"

[ "$evil_absent" = 0 ] || [ ! -e /tmp/evil ] || fail "an archive wrote /tmp/evil"
echo "hostile archives refused: $hostile, good controls installed: $good"
[ "$hostile" -ge 15 ] || fail "only $hostile hostile archives ran (want >= 15)"
[ "$good" -ge 1 ] || fail "no good control ran"
pass
