#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""set-version.py BIN VERSION OUT: copy a fake node or worker with its version patched.

The fakes carry "PDIFAKEVERSION=<version>" NUL-padded in a 64-byte slot; one build thus gives
the binaries of any release (tests/fake/fake-polkadot.c)."""
import os
import sys

TAG = b"PDIFAKEVERSION="
SLOT = 64

def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, version, out = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
    data = bytearray(open(src, "rb").read())
    at = data.find(TAG)
    if at < 0 or data.find(TAG, at + 1) >= 0:
        sys.exit(f"{src}: expected exactly one {TAG.decode()} slot")
    room = SLOT - len(TAG) - 1
    if len(version) > room or not version or b"\0" in version:
        sys.exit(f"version {version!r}: must be 1..{room} bytes")
    data[at + len(TAG):at + SLOT] = version.ljust(SLOT - len(TAG), b"\0")
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, out)

main()
