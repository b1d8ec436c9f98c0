#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cmake --install` of this build: with DESTDIR and --prefix /usr every file lands under
# DESTDIR (nothing on the host), exactly the expected set: the program in sbin, the man page
# (compressed, the same text as docs/), the bash completion, the SELinux module where it was
# built, the documentation. And cpack refuses to package a test build (fault hooks).
source "$(dirname "$0")/lib.sh"
: "${PDI_BUILD_DIR:?PDI_BUILD_DIR must name the build directory (ctest sets it)}"
need_cmd cmake
need_cmd cpack
need_cmd gzip

D=$T/dest
DESTDIR=$D cmake --install "$PDI_BUILD_DIR" --prefix /usr >"$T/install.log" 2>&1 ||
        fail "cmake --install with DESTDIR failed: $(cat "$T/install.log")"
TESTS_RUN=$((TESTS_RUN + 1))
# Every path it reports is under DESTDIR.
grep -E '^-- (Installing|Up-to-date): ' "$T/install.log" | sed -E 's/^-- [A-Za-z-]+: //' >"$T/reported"
[ -s "$T/reported" ] || fail "cmake --install reported nothing: $(cat "$T/install.log")"
if grep -v "^$D/usr/" "$T/reported"; then fail "cmake --install wrote outside DESTDIR/usr (above)"; fi
TESTS_RUN=$((TESTS_RUN + 1))

(cd "$D" && find . -type f | sed 's|^\./||' | sort) >"$T/files"
DOC=usr/share/doc/polkadot-installer
{
        echo usr/sbin/polkadot-installer
        echo usr/share/man/man8/polkadot-installer.8.gz
        echo usr/share/bash-completion/completions/polkadot-installer
        [ -f "$PDI_BUILD_DIR/selinux/polkadot.pp" ] &&
                echo usr/share/selinux/packages/polkadot-installer/polkadot.pp
        for f in LICENSE README.md INSTALL.md audit-json.md manifests.md \
                selinux/polkadot.te selinux/polkadot.fc selinux/polkadot.if apparmor/polkadot.in; do
                echo "$DOC/$f"
        done
        (cd "$PDI_SOURCE_DIR/templates" && find . -type f | sed "s|^\./|$DOC/templates/|")
} | sort >"$T/want"
diff -u "$T/want" "$T/files" >"$T/diff" || fail "installed files differ from the expected set: $(cat "$T/diff")"
TESTS_RUN=$((TESTS_RUN + 1))
echo "ok: $(wc -l <"$T/files") files, all under DESTDIR"

# The pieces are the ones of the tree.
"$D/usr/sbin/polkadot-installer" --version | grep -qx "polkadot-installer [0-9.]*" ||
        fail "the installed program does not run: $("$D/usr/sbin/polkadot-installer" --version 2>&1)"
gzip -dc "$D/usr/share/man/man8/polkadot-installer.8.gz" | cmp -s - "$PDI_SOURCE_DIR/docs/polkadot-installer.8" ||
        fail "the installed man page is not docs/polkadot-installer.8"
cmp -s "$D/usr/share/bash-completion/completions/polkadot-installer" "$PDI_SOURCE_DIR/contrib/polkadot-installer.bash" ||
        fail "the installed completion is not contrib/polkadot-installer.bash"
cmp -s "$D/$DOC/LICENSE" "$PDI_SOURCE_DIR/LICENSE" || fail "the installed LICENSE differs"
grep -q 'Apache License' "$D/$DOC/LICENSE" || fail "LICENSE is not the Apache License"
[ "$(stat -c %a "$D/usr/sbin/polkadot-installer")" = 755 ] || fail "the program is not mode 0755"
TESTS_RUN=$((TESTS_RUN + 5))

# A test build is not packaged (its CPack configuration says so before anything is built).
rc=0
cpack --config "$PDI_BUILD_DIR/CPackConfig.cmake" -B "$T/pkg" -G DEB >"$T/out" 2>&1 || rc=$?
TESTS_RUN=$((TESTS_RUN + 1))
[ "$rc" != 0 ] || fail "cpack packaged a PDI_TESTING build: $(cat "$T/out")"
grep -q 'refusing to package a test build' "$T/out" || fail "cpack's refusal does not say why: $(cat "$T/out")"
if find "$T/pkg" -name '*.deb' 2>/dev/null | grep -q .; then fail "a .deb was written anyway"; fi
pass
