#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages: a release build (Release, PDI_TESTING=OFF, prefix /usr) in a scratch
# directory, `cpack -G DEB` and `cpack -G RPM` from it. The .deb's contents (dpkg-deb -c)
# and control fields (dpkg-deb -I: the runtime libraries in Depends), the .rpm's files and
# requirements (rpm -qp); the .deb unpacked into a scratch root with `dpkg -x` only (never
# installed on this host), where the program runs and finds its SELinux module path.
source "$(dirname "$0")/lib.sh"
need_cmd cmake
need_cmd cpack
need_cmd dpkg-deb
need_cmd dpkg-shlibdeps # CPACK_DEBIAN_PACKAGE_SHLIBDEPS
need_cmd rpmbuild
need_cmd rpm
need_file /usr/share/selinux/devel/Makefile # the module in the packages

B=$T/build
cmake -S "$PDI_SOURCE_DIR" -B "$B" -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr >"$T/configure.log" 2>&1 || fail "configure: $(tail -n 20 "$T/configure.log")"
cmake --build "$B" -j2 >"$T/build.log" 2>&1 || fail "release build: $(tail -n 30 "$T/build.log")"
(cd "$B" && cpack -G DEB) >"$T/cpack-deb.log" 2>&1 || fail "cpack -G DEB: $(tail -n 30 "$T/cpack-deb.log")"
(cd "$B" && cpack -G RPM) >"$T/cpack-rpm.log" 2>&1 || fail "cpack -G RPM: $(tail -n 30 "$T/cpack-rpm.log")"
VERSION=$(sed -n 's/^project(polkadot-installer VERSION \([0-9.]*\) .*/\1/p' "$PDI_SOURCE_DIR/CMakeLists.txt")
[ -n "$VERSION" ] || fail "no version in CMakeLists.txt"
ARCH=$(dpkg --print-architecture)
DEB=$B/polkadot-installer_${VERSION}_$ARCH.deb
[ -f "$DEB" ] || fail "no $DEB: $(ls "$B")"
RPM=$(find "$B" -maxdepth 1 -name "polkadot-installer-$VERSION-*.rpm")
[ -n "$RPM" ] && [ -f "$RPM" ] || fail "no .rpm in $B: $(ls "$B")"
TESTS_RUN=$((TESTS_RUN + 2))

# ---- the .deb --------------------------------------------------------------------------
DOC=usr/share/doc/polkadot-installer
WANT_FILES="usr/sbin/polkadot-installer usr/share/man/man8/polkadot-installer.8.gz
        usr/share/bash-completion/completions/polkadot-installer
        usr/share/selinux/packages/polkadot-installer/polkadot.pp
        $DOC/selinux/polkadot.te $DOC/selinux/polkadot.fc $DOC/selinux/polkadot.if
        $DOC/apparmor/polkadot.in
        $DOC/LICENSE $DOC/README.md $DOC/INSTALL.md $DOC/templates/polkadot.service.in"
dpkg-deb -c "$DEB" >"$T/deb-contents"
for f in $WANT_FILES; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -qE "^-[rwx-]{9} root/root .* \./$f\$" "$T/deb-contents" ||
                fail "the .deb lacks ./$f (root-owned file): $(cat "$T/deb-contents")"
done
grep -qE '^-rwxr-xr-x root/root .* \./usr/sbin/polkadot-installer$' "$T/deb-contents" ||
        fail "the program is not 0755 root in the .deb"
# Nothing outside /usr (no /usr/local, no build paths).
awk '{print $6}' "$T/deb-contents" | grep -vE '^\./(usr/.*)?$' >"$T/outside" || true
[ ! -s "$T/outside" ] || fail "the .deb has paths outside /usr: $(cat "$T/outside")"
grep -q '\./usr/local' "$T/deb-contents" && fail "the .deb has /usr/local paths"
TESTS_RUN=$((TESTS_RUN + 3))

dpkg-deb -I "$DEB" >"$T/deb-info"
for field in "Package: polkadot-installer" "Version: $VERSION" "Architecture: $ARCH" \
        "Section: admin" "Maintainer: "; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -q "^ $field" "$T/deb-info" || fail "the .deb's control lacks '$field': $(cat "$T/deb-info")"
done
depends=$(sed -n 's/^ Depends: //p' "$T/deb-info")
# The runtime libraries, by the names Debian 12 packages them under.
for lib in libcurl4 libarchive13 'libssl3|libssl3t64' libjansson4 libsystemd0 libelf1 libseccomp2 libc6; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -Eq "(^|, )($lib)( |,|\$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

# Unpacked into a scratch root (dpkg -x: no maintainer scripts, no dpkg database).
X=$T/unpacked
dpkg -x "$DEB" "$X"
"$X/usr/sbin/polkadot-installer" --version | grep -qx "polkadot-installer $VERSION" ||
        fail "the packaged program does not run: $("$X/usr/sbin/polkadot-installer" --version 2>&1)"
"$X/usr/sbin/polkadot-installer" manifest --help | grep -q 'manifest create' || fail "manifest --help"
# The program looks for its module where the package puts it, and no longer in a build tree
# (a release build has no build-tree fallback).
grep -aq '/usr/share/selinux/packages/polkadot-installer/polkadot.pp' "$X/usr/sbin/polkadot-installer" ||
        fail "the packaged program does not look for /usr/share/selinux/packages/polkadot-installer/polkadot.pp"
grep -aqF "$B/selinux" "$X/usr/sbin/polkadot-installer" && fail "the packaged program names its build directory"
cmp -s "$X/usr/share/selinux/packages/polkadot-installer/polkadot.pp" "$B/selinux/polkadot.pp" ||
        fail "the packaged SELinux module is not the built one"
gzip -dc "$X/usr/share/man/man8/polkadot-installer.8.gz" | cmp -s - "$PDI_SOURCE_DIR/docs/polkadot-installer.8" ||
        fail "the packaged man page is not docs/polkadot-installer.8"
cmp -s "$X/usr/share/bash-completion/completions/polkadot-installer" "$PDI_SOURCE_DIR/contrib/polkadot-installer.bash" ||
        fail "the packaged completion is not contrib/polkadot-installer.bash"
TESTS_RUN=$((TESTS_RUN + 7))
echo "ok: .deb: $(grep -c '^-' "$T/deb-contents") files, Depends: $depends"

# ---- the .rpm --------------------------------------------------------------------------
rpm -qpl "$RPM" 2>/dev/null >"$T/rpm-files"
for f in $WANT_FILES; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -qx "/$f" "$T/rpm-files" || fail "the .rpm lacks /$f: $(cat "$T/rpm-files")"
done
# It owns its own directories only, not the system's.
for d in /usr /usr/sbin /usr/share /usr/share/man /usr/share/man/man8 /usr/share/selinux \
        /usr/share/bash-completion /usr/share/bash-completion/completions; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -qx "$d" "$T/rpm-files" && fail "the .rpm owns the system directory $d"
done
rpm -qpR "$RPM" 2>/dev/null >"$T/rpm-requires"
for lib in libcurl.so.4 libarchive.so.13 libcrypto.so.3 libjansson.so.4 libsystemd.so.0 libelf.so.1 libseccomp.so.2; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -q "^$lib" "$T/rpm-requires" || fail "the .rpm does not require $lib: $(cat "$T/rpm-requires")"
done
rpm -qpi "$RPM" 2>/dev/null >"$T/rpm-info"
grep -q '^License *: Apache-2.0' "$T/rpm-info" || fail "the .rpm's license: $(cat "$T/rpm-info")"
grep -q "^Version *: $VERSION" "$T/rpm-info" || fail "the .rpm's version: $(cat "$T/rpm-info")"
TESTS_RUN=$((TESTS_RUN + 2))
echo "ok: .rpm: $(wc -l <"$T/rpm-files") paths, $(grep -c '\.so' "$T/rpm-requires") library requirements"
pass
