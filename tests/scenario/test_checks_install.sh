#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install runs the release checks on the staged tree before activation: a release of real ELF
# binaries whose node maps memory writable and executable, or is built for another machine,
# is refused with exit 3 naming the check and the file (the first error-level finding), and
# the current release, the tree and the state stay as they were.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

source "$(dirname "$0")/elf.sh"
need_root "install: users, ownership"

elf_release() { # dir version node-source: a signed release of ELF binaries, node from node-source
        local dir=$1 v=$2 node=$3
        mkdir -p "$T/bin-$v"
        cp "$node" "$T/bin-$v/polkadot"
        node_elf "$T/bin-$v/polkadot-prepare-worker" "$v"
        node_elf "$T/bin-$v/polkadot-execute-worker" "$v"
        REL_EDIT='
import hashlib as _h, shutil as _sh
for _a in d["artifacts"]:
    _p = os.path.join(d_, _a["name"])
    _sh.copyfile(os.path.join(os.environ["BIN_DIR"], _a["name"]), _p)
    _b = open(_p, "rb").read()
    _a["sha256"] = _h.sha256(_b).hexdigest()
    _a["size"] = len(_b)
' BIN_DIR="$T/bin-$v" rel_make "$dir" "$v" "$4"
}

node_elf "$T/node-1.0.0" 1.0.0
node_elf "$T/node-wx" 1.1.0 "$T/wx.c"
node_elf "$T/node-1.2.0" 1.2.0
[ -s "$T/node-1.0.0" ] && [ -s "$T/node-wx" ] || fail "gcc cannot build the stand-ins"
foreign_elf "$T/node-1.2.0" "$T/node-foreign"

elf_release "$T/srv/1.0.0" 1.0.0 "$T/node-1.0.0" 10
elf_release "$T/srv/1.1.0" 1.1.0 "$T/node-wx" 11
elf_release "$T/srv/1.2.0" 1.2.0 "$T/node-foreign" 12

R="$T/root"
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
expect 0 'install 1.0.0: /opt/polkadot/current is active' \
        "$PDI" install --root "$R" --from "$T/srv/1.0.0" --trusted-key "$T/key.pub"
assert_current "$R" 1.0.0

refused() { # version regex: install of that release is refused before activation, nothing changes
        root_snapshot "$R" "$T/before"
        expect 3 "^error: .*release $1 refused before activation: $2" \
                "$PDI" install --root "$R" --from "$T/srv/$1" --trusted-key "$T/key.pub"
        expect_one_error_line
        assert_current "$R" 1.0.0
        root_snapshot "$R" "$T/after"
        diff "$T/before" "$T/after" || fail "the refused $1 changed the install"
}
refused 1.1.0 '\[elf\] /opt/polkadot/releases/[^ ]*/polkadot has a loadable segment that is writable and executable \(a segment both writable and executable defeats W\^X; do not run this build\)'
# The version check runs first and cannot execute it; that is the error named.
refused 1.2.0 '\[version-alignment\] /opt/polkadot/releases/[^ ]*/polkadot --version: exit status 127: cannot execute: Exec format error \(run it by hand'

pass
