#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# verify against hostile and broken manifests and signatures. Every manifest here is signed
# with the stock minisign by a trusted key (unless the signature is the thing under test), so
# each refusal comes from the check named in the case, and each case asserts exit 3 and the
# message class, with exactly one error line. Positive controls show the fixtures are
# otherwise good.
source "$(dirname "$0")/lib.sh"
need_cmd minisign
need_cmd python3

R="$T/root" # a --root with no trusted keys and no state unless a case adds them
mkdir -p "$R" "$T/m"
minisign -G -W -p "$T/a.pub" -s "$T/a.key" >/dev/null
minisign -G -W -p "$T/b.pub" -s "$T/b.key" >/dev/null
minisign -G -W -p "$T/evil.pub" -s "$T/evil.key" >/dev/null

# gen NAME PYTHON: the base manifest `d` (valid, one archive artifact) modified by PYTHON;
# `raw` may be set to bytes to write instead of json.dumps(d).
gen() {
        python3 - "$T/m/$1.json" "$2" <<'PY'
import json, sys
H = lambda c: c * 64
d = {
    "schema": 1, "product": "polkadot", "version": "1.16.0", "sequence": 42,
    "created": "2026-11-20T10:00:00Z", "expires": "2099-02-20T10:00:00Z",
    "artifacts": [
        {"name": "polkadot", "role": "node", "url": "polkadot",
         "sha256": H("a"), "size": 1000, "format": "binary"},
        {"name": "polkadot-prepare-worker", "role": "prepare-worker",
         "url": "https://mirror.example/1.16.0/polkadot-prepare-worker",
         "mirrors": ["http://127.0.0.1/x/polkadot-prepare-worker"],
         "sha256": H("b"), "size": 2000, "format": "binary"},
        {"name": "workers.tar.zst", "role": "execute-worker", "url": "workers.tar.zst",
         "sha256": H("c"), "size": 3000, "format": "tar.zst",
         "files": [{"path": "polkadot-execute-worker", "sha256": H("d"), "size": 4000}]},
    ],
}
raw = None
exec(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(raw if raw is not None else json.dumps(d, indent=1).encode())
PY
}
sign() { minisign -S -s "$T/${2:-a}.key" -m "$T/m/$1.json" -x "${3:-$T/m/$1.json.minisig}" -t "case $1" >/dev/null; }
case_refused() { # NAME REGEX [extra verify args]
        local name=$1 re=$2
        shift 2
        expect 3 "$re" "$PDI" verify --root "$R" --manifest "$T/m/$name.json" \
                --trusted-key "$T/a.pub" "$@"
        expect_one_error_line
}
manifest_case() { gen "$1" "$3"; sign "$1"; case_refused "$1" "$2"; }

# Positive controls.
gen good ""
sign good
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/m/good.json" --trusted-key "$T/a.pub"
grep -q 'signed by:  key' "$T/out" || fail "verify does not say which key signed"
"$PDI" verify --root "$R" --manifest "$T/m/good.json" --trusted-key "$T/a.pub" --json >"$T/good.json"
python3 - "$T/good.json" <<'PY' || fail "verify --json: $(cat "$T/good.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["release"]
assert d["failed"] is False and d["exit_code"] == 0
assert r["version"] == "1.16.0" and r["sequence"] == 42 and len(r["artifacts"]) == 3
assert len(r["signed_by"]) == 1 and r["signed_by"][0]["trusted_comment"] == "case good"
PY
# A UTF-8 trusted comment is shown as is; one that is not UTF-8 (stock minisign writes any
# bytes) is refused, never left out of --json.
gen utf8tc ""
minisign -S -s "$T/a.key" -m "$T/m/utf8tc.json" -t "café ✓" >/dev/null
"$PDI" verify --root "$R" --manifest "$T/m/utf8tc.json" --trusted-key "$T/a.pub" --json >"$T/utf8tc.out"
python3 - "$T/utf8tc.out" <<'PY' || fail "verify --json with a UTF-8 trusted comment: $(cat "$T/utf8tc.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit_code"] == 0 and [s["trusted_comment"] for s in d["release"]["signed_by"]] == ["café ✓"], d
PY
gen latin1tc ""
minisign -S -s "$T/a.key" -m "$T/m/latin1tc.json" -t $'caf\xe9' >/dev/null
case_refused latin1tc 'signature .*/latin1tc.json.minisig: signature line 3: trusted comment is not valid UTF-8 \(byte 3 of the comment\)$'
gen legacy ""
minisign -S -l -s "$T/a.key" -m "$T/m/legacy.json" -t "legacy" >/dev/null
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/m/legacy.json" --trusted-key "$T/a.pub"

# Paths typed on the command line are host paths: symlinks to the manifest, a signature and a
# key are followed. A signature file that exists but cannot be read fails alike (exit 1) when
# listed and when found by its default name.
ln -s good.json "$T/m/link.json"
ln -s good.json.minisig "$T/m/link.json.minisig"
ln -s a.pub "$T/a-link.pub"
expect 0 'manifest .*/link.json: verified' "$PDI" verify --root "$R" --manifest "$T/m/link.json" --trusted-key "$T/a-link.pub"
expect 0 'manifest .*/good.json: verified' "$PDI" verify --root "$R" --manifest "$T/m/good.json" --signature "$T/m/link.json.minisig" --trusted-key "$T/a.pub"
gen dirsig ""
mkdir "$T/m/dirsig.json.minisig"
expect 1 '^error: signature .*/dirsig.json.minisig: not a regular file$' "$PDI" verify --root "$R" --manifest "$T/m/dirsig.json" --trusted-key "$T/a.pub"
expect_one_error_line
expect 1 '^error: signature .*/dirsig.json.minisig: not a regular file$' "$PDI" verify --root "$R" --manifest "$T/m/dirsig.json" --signature "$T/m/dirsig.json.minisig" --trusted-key "$T/a.pub"
expect_one_error_line
expect 3 '^error: signature .*/gone.minisig: No such file or directory$' "$PDI" verify --root "$R" --manifest "$T/m/dirsig.json" --signature "$T/m/gone.minisig" --trusted-key "$T/a.pub"
expect 1 '^error: manifest .*/m: not a regular file$' "$PDI" verify --root "$R" --manifest "$T/m" --trusted-key "$T/a.pub"

# The worked example in manifests/ verifies with its demo key, here and with the stock minisign.
ex="$PDI_SOURCE_DIR/manifests/example"
expect 0 'signed by:  key 555FB07ED5CE3DCB' "$PDI" verify --root "$R" --manifest "$ex/manifest.json" --trusted-key "$ex/DEMO-KEY-NOT-FOR-PRODUCTION.pub"
minisign -Vm "$ex/manifest.json" -p "$ex/DEMO-KEY-NOT-FOR-PRODUCTION.pub" -q || fail "stock minisign rejects the example"

# Manifest content (each signed by the trusted key).
manifest_case big 'larger than the 1048576 byte limit' 'raw = b"{" + b" " * (1 << 20) + b"}"'
manifest_case notutf8 'not valid UTF-8 at byte offset [0-9]+$' 'raw = json.dumps(d).replace("1.16.0", "1.16.0\xff").encode("latin-1")'
manifest_case notjson 'not valid JSON at line 1, column [0-9]+' 'raw = json.dumps(d).encode()[:-1]'
manifest_case toparray 'top level is an array, expected an object$' 'raw = b"[1, 2]"'
manifest_case dupkey 'not valid JSON at line 1, column [0-9]+: duplicate object key' 'raw = json.dumps(d).replace("{", "{\"schema\": 1, ", 1).encode()'
manifest_case unknown_top ': unknown key "extra"$' 'd["extra"] = 1'
manifest_case unknown_artifact ': artifacts\[0\]: unknown key "signature"$' 'd["artifacts"][0]["signature"] = "x"'
manifest_case unknown_file ': artifacts\[2\]\.files\[0\]: unknown key "mode"$' 'd["artifacts"][2]["files"][0]["mode"] = 493'
manifest_case wrongtype ': sequence: expected an integer, got a string$' 'd["sequence"] = "42"'
manifest_case missing ': version: missing$' 'del d["version"]'
manifest_case schema3 ': unknown schema 3 \(this installer knows schemas 1 and 2\)$' 'd["schema"] = 3'
manifest_case role ': artifacts\[0\]\.role: unknown role "collator"$' 'd["artifacts"][0]["role"] = "collator"'
manifest_case format ': artifacts\[2\]\.format: unknown format "zip"$' 'd["artifacts"][2]["format"] = "zip"'
manifest_case roles_missing 'artifacts\[2\]\.role: role prepare-worker appears twice \(also artifacts\[1\]\)' 'd["artifacts"][2]["role"] = "prepare-worker"'
manifest_case role_absent 'artifacts: no artifact with role execute-worker' 'd["artifacts"].pop()'
manifest_case dupname 'artifacts\[2\]\.name: duplicate name "polkadot" \(also artifacts\[0\]\)$' 'd["artifacts"][2]["name"] = "polkadot"'
manifest_case dupfile 'artifacts\[2\]\.files\[1\]\.path: duplicate installed file "polkadot-execute-worker" \(also artifacts\[2\]\.files\[0\]\.path\)$' 'd["artifacts"][2]["files"].append(dict(d["artifacts"][2]["files"][0]))'
manifest_case badhex 'artifacts\[1\]\.sha256: not 64 lowercase hex digits$' 'd["artifacts"][1]["sha256"] = "A" * 64'
manifest_case shorthex 'artifacts\[1\]\.sha256: not 64 lowercase hex digits$' 'd["artifacts"][1]["sha256"] = "a" * 63'
manifest_case size0 'artifacts\[0\]\.size: 0 is not a sane size' 'd["artifacts"][0]["size"] = 0'
manifest_case sizeabsurd 'artifacts\[0\]\.size: 1125899906842624 is not a sane size' 'd["artifacts"][0]["size"] = 1 << 50'
manifest_case version_v 'version: "v1\.16\.0" is not a plain version' 'd["version"] = "v1.16.0"'
manifest_case version_path 'version: "\.\./\.\./etc" is not a plain version' 'd["version"] = "../../etc"'
manifest_case scheme 'artifacts\[0\]\.url: URL scheme "ftp" is not allowed' 'd["artifacts"][0]["url"] = "ftp://mirror.example/polkadot"'
manifest_case dotdot 'artifacts\[0\]\.url: relative URL must not contain a '"'"'\.\.'"'"' segment$' 'd["artifacts"][0]["url"] = "../polkadot"'
manifest_case mirror_scheme 'artifacts\[1\]\.mirrors\[0\]: URL scheme "gopher" is not allowed' 'd["artifacts"][1]["mirrors"] = ["gopher://x/y"]'
manifest_case rfc3339 'created: "2026-11-20 10:00:00" is not an RFC 3339 time' 'd["created"] = "2026-11-20 10:00:00"'
manifest_case badday 'expires: "2099-02-30T10:00:00Z" is not an RFC 3339 time' 'd["expires"] = "2099-02-30T10:00:00Z"'
manifest_case expired ': manifest expired at 2020-01-01T00:00:00Z$' 'd["expires"] = "2020-01-01T00:00:00Z"; d["created"] = "2019-01-01T00:00:00Z"'
manifest_case created_after ': created: 2099-03-01T00:00:00Z is after expires 2099-02-20T10:00:00Z$' 'd["created"] = "2099-03-01T00:00:00Z"'
manifest_case seq0 ': sequence: 0 is not a positive integer$' 'd["sequence"] = 0'
manifest_case seqreal ': sequence: expected an integer, got a real number$' 'd["sequence"] = 4.5'
manifest_case binname 'artifacts\[1\]\.name: a binary artifact of role prepare-worker must be named "polkadot-prepare-worker"$' 'd["artifacts"][1]["name"] = "prepare"'
manifest_case slashpath 'artifacts\[2\]\.files\[0\]\.path: "bin/polkadot-execute-worker" is not a plain file name$' 'd["artifacts"][2]["files"][0]["path"] = "bin/polkadot-execute-worker"'

# Signatures.
gen nosig ""
case_refused nosig 'nosig\.json: no signature found$'
gen untrusted ""
sign untrusted evil
case_refused untrusted 'untrusted\.json: not signed by any trusted key \(1 signature\(s\) by unknown keys\)$'
gen tampered ""
sign tampered
printf ' ' >>"$T/m/tampered.json"
case_refused tampered 'tampered\.json\.minisig: signature by key [0-9A-F]{16} does not verify$'
gen tc ""
sign tc
sed -i 's/^trusted comment: case tc$/trusted comment: case tc, edited/' "$T/m/tc.json.minisig"
case_refused tc 'tc\.json\.minisig: trusted comment signature by key [0-9A-F]{16} does not verify \(trusted comment altered\?\)$'
gen truncated ""
sign truncated
head -n 2 "$T/m/truncated.json.minisig" >"$T/t" && mv "$T/t" "$T/m/truncated.json.minisig"
case_refused truncated 'truncated\.json\.minisig: signature: 2 lines, expected 4$'
gen badb64 ""
sign badb64
sed -i '2s/^.\{10\}/!!!!!!!!!!/' "$T/m/badb64.json.minisig"
case_refused badb64 'badb64\.json\.minisig: signature line 2: not canonical base64$'
gen hugesig ""
python3 -c 'import sys; sys.stdout.write("untrusted comment: " + "x" * 20000 + "\n")' >"$T/m/hugesig.json.minisig"
case_refused hugesig '^error: signature .*/hugesig\.json\.minisig: larger than 16384 bytes$'
gen alg ""
sign alg
python3 - "$T/m/alg.json.minisig" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
raw = bytearray(base64.b64decode(lines[1])); raw[0:2] = b"Xx"
lines[1] = base64.b64encode(bytes(raw)).decode()
open(sys.argv[1], "w").write("\n".join(lines))
PY
case_refused alg 'alg\.json\.minisig: signature line 2: unknown signature algorithm "Xx", expected "ED" \(or legacy "Ed"\)$'
gen badkey ""
sign badkey
echo "not a key" >"$T/bad.pub"
expect 3 '^error: trusted key .*/bad\.pub: public key line 1: not canonical base64$' "$PDI" verify --root "$R" --manifest "$T/m/badkey.json" --trusted-key "$T/bad.pub"
expect 3 '^error: no trusted keys: put a minisign public key in /etc/polkadot-installer/trusted-keys/ or pass --trusted-key FILE$' "$PDI" verify --root "$R" --manifest "$T/m/badkey.json"

# Threshold: two distinct keys needed; the same key twice counts once.
gen thr ""
sign thr a
sign thr a "$T/m/thr.json.minisig.2"
case_refused thr 'signed by 1 distinct trusted key\(s\), 2 required' --trusted-key "$T/b.pub" --threshold 2
sign thr b "$T/m/thr.json.minisig.2"
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/m/thr.json" --trusted-key "$T/a.pub" --trusted-key "$T/b.pub" --threshold 2
# The configured threshold cannot be lowered by the flag.
mkdir -p "$R/etc/polkadot-installer/trusted-keys"
cp "$T/a.pub" "$R/etc/polkadot-installer/trusted-keys/a.pub"
echo 2 >"$R/etc/polkadot-installer/trust-threshold"
gen thr2 ""
sign thr2 a
expect 3 'signed by 1 distinct trusted key\(s\), 2 required' "$PDI" verify --root "$R" --manifest "$T/m/thr2.json" --trusted-key "$T/b.pub" --threshold 1
rm "$R/etc/polkadot-installer/trust-threshold"
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/m/good.json"

# Sequence policy: a lower sequence than the highest accepted is refused naming both; the
# same sequence with other bytes too. verify writes no state.
mkdir -p "$R/var/lib/polkadot-installer"
sha=$(sha256sum "$T/m/good.json" | cut -d' ' -f1)
printf '{"schema": 1, "products": {"polkadot": {"highest_sequence": 50, "manifest_sha256": "%s", "version": "1.17.0"}}}\n' "$(printf 'e%.0s' {1..64})" >"$R/var/lib/polkadot-installer/state.json"
case_refused good 'sequence 42 is lower than the highest accepted sequence 50'
printf '{"schema": 1, "products": {"polkadot": {"highest_sequence": 42, "manifest_sha256": "%s", "version": "1.16.0"}}}\n' "$(printf 'e%.0s' {1..64})" >"$R/var/lib/polkadot-installer/state.json"
case_refused good 'sequence 42 was already accepted .* different content'
printf '{"schema": 1, "products": {"polkadot": {"highest_sequence": 42, "manifest_sha256": "%s", "version": "1.16.0"}}}\n' "$sha" >"$R/var/lib/polkadot-installer/state.json"
cp "$R/var/lib/polkadot-installer/state.json" "$T/state.before"
expect 0 'highest accepted so far: 42' "$PDI" verify --root "$R" --manifest "$T/m/good.json"
cmp -s "$T/state.before" "$R/var/lib/polkadot-installer/state.json" || fail "verify changed the state"
gen seq43 'd["sequence"] = 43'
sign seq43
expect 0 'highest accepted so far: 42' "$PDI" verify --root "$R" --manifest "$T/m/seq43.json"
cmp -s "$T/state.before" "$R/var/lib/polkadot-installer/state.json" || fail "verify recorded a sequence"
echo '{"schema": 1, "products": ' >"$R/var/lib/polkadot-installer/state.json"
expect 1 'state .*damaged' "$PDI" verify --root "$R" --manifest "$T/m/good.json"
pass
