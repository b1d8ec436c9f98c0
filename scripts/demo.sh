#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, on an embedded default: builds the installer, makes a throwaway release key and a
# signed demo release from stand-in binaries, serves it with lighttpd on 127.0.0.1, installs
# it into ./demo-root (nothing on the host changes), shows status, then audits it.
# Work files go to ./demo-work; both folders are recreated on each run.
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

pdi_ensure_for demo
pdi_build build-demo -DPDI_TESTING=OFF
PDI="$PDI_TOP/build-demo/polkadot-installer"
work="$PDI_TOP/demo-work"
root="$PDI_TOP/demo-root"
rm -rf "$work" "$root"
mkdir -p "$work/release/1.16.0" "$root"
rel="$work/release/1.16.0"
version=1.16.0

echo "==> stand-in binaries for polkadot $version (they print the version, like the real ones)"
for name in polkadot polkadot-prepare-worker polkadot-execute-worker; do
        printf '#!/bin/sh\n[ "$1" = --version ] && echo %s && exit 0\necho "stand-in %s"\n' \
                "$version" "$name" >"$rel/$name"
        chmod 0755 "$rel/$name"
done

echo "==> throwaway release key (DEMO ONLY, never trust it for anything real)"
"$PDI" keygen --public "$work/demo.pub" --secret "$work/demo.key" \
        --comment "polkadot-installer DEMO key, not for production"

echo "==> signed manifest for the release"
"$PDI" manifest create --version "$version" --sequence 1 --expires-in 30 \
        --node "$rel/polkadot" --prepare-worker "$rel/polkadot-prepare-worker" \
        --execute-worker "$rel/polkadot-execute-worker" --output "$rel/manifest.json"
"$PDI" sign --key "$work/demo.key" "$rel/manifest.json"
# The operator's side trusts the demo key, inside the demo root only.
mkdir -p "$root/etc/polkadot-installer/trusted-keys"
cp "$work/demo.pub" "$root/etc/polkadot-installer/trusted-keys/demo.pub"

echo "==> serving the release with lighttpd on 127.0.0.1"
port=$(LIGHTTPD_OWNER_PID=$$ bash "$PDI_TOP/tests/lighttpd.sh" start "$work/release" "$work/httpd")
trap 'bash "$PDI_TOP/tests/lighttpd.sh" stop "$work/httpd" >/dev/null 2>&1 || true' EXIT
url="http://127.0.0.1:$port/$version/manifest.json"

echo "==> the plan, as the shell commands a person would type (--dry-run writes nothing)"
"$PDI" install --root "$root" --manifest "$url" --dry-run

echo "==> install into $root"
"$PDI" install --root "$root" --manifest "$url" --yes

echo "==> installing the same release again changes nothing"
"$PDI" install --root "$root" --manifest "$url" --yes --json

echo "==> status"
"$PDI" status --root "$root"

echo "==> audit of what is now in $root (host checks describe this machine)"
rc=0
"$PDI" audit --root "$root" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 4 ] || exit "$rc"
echo "==> demo done: the installed tree is in $root (audit exit code $rc: 4 means findings)"
