#!/usr/bin/env bash
# The demo: builds the installer, makes a throwaway release key and a demo release from
# stand-in binaries, signs its manifest and verifies it. Nothing on the host changes: all
# files go to ./demo-work (removed at the start of each run).
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" minisign
pdi_build build -DPDI_TESTING=OFF
PDI="$PDI_TOP/build/polkadot-installer"
work="$PDI_TOP/demo-work"
rm -rf "$work"
mkdir -p "$work/release"

version=1.16.0
echo "==> stand-in binaries for polkadot $version (shell scripts that print the version)"
for name in polkadot polkadot-prepare-worker polkadot-execute-worker; do
        printf '#!/bin/sh\n[ "$1" = --version ] && echo %s && exit 0\necho "stand-in %s"\n' \
                "$version" "$name" >"$work/release/$name"
        chmod 0755 "$work/release/$name"
done

echo "==> throwaway release key (DEMO ONLY, never trust it for anything real)"
"$PDI" keygen --public "$work/demo.pub" --secret "$work/demo.key" \
        --comment "polkadot-installer DEMO key, not for production"

echo "==> manifest for the release, then its signature"
"$PDI" manifest create --version "$version" --sequence 1 --expires-in 30 \
        --node "$work/release/polkadot" \
        --prepare-worker "$work/release/polkadot-prepare-worker" \
        --execute-worker "$work/release/polkadot-execute-worker" \
        --output "$work/release/manifest.json"
"$PDI" sign --key "$work/demo.key" "$work/release/manifest.json"

echo "==> verify with the polkadot-installer"
"$PDI" verify --manifest "$work/release/manifest.json" --trusted-key "$work/demo.pub" \
        --root "$work"
echo "==> verify with the stock minisign, as an operator would by hand"
minisign -Vm "$work/release/manifest.json" -p "$work/demo.pub"
echo "==> demo done: files in $work"
