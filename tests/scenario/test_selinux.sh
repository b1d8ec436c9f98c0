#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The SELinux policy module builds (CMake's selinux-module target) into a non-empty
# polkadot.pp that declares the node's and the workers' types, and a rebuild from the
# sources in a scratch copy is free of warnings. Skips (77) without the policy devel files.
source "$(dirname "$0")/lib.sh"

DEVEL=/usr/share/selinux/devel/Makefile
need_file /usr/share/selinux/devel/Makefile
need_cmd make
need_cmd cmake
: "${PDI_BUILD_DIR:?PDI_BUILD_DIR must name the build tree (ctest sets it)}"

PP="$PDI_BUILD_DIR/selinux/polkadot.pp"
if [ ! -s "$PP" ]; then
        cmake --build "$PDI_BUILD_DIR" --target selinux-module >"$T/out" 2>&1 ||
                { cat "$T/out" >&2; fail "cmake target selinux-module failed"; }
fi
TESTS_RUN=$((TESTS_RUN + 1))
[ -s "$PP" ] || fail "$PP missing or empty after building selinux-module"

# Types the file contexts and the installer rely on are in the package.
for t in polkadot_t polkadot_exec_t polkadot_worker_t polkadot_worker_exec_t \
        polkadot_var_lib_t polkadot_conf_t polkadot_unit_file_t; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -aqw "$t" "$PP" || fail "$PP does not declare $t"
done

# A clean build in a scratch copy prints no warning.
mkdir "$T/se"
cp "$PDI_SOURCE_DIR"/selinux/polkadot.{te,fc,if} "$T/se/"
make -C "$T/se" -f "$DEVEL" polkadot.pp >"$T/build.log" 2>&1 ||
        { cat "$T/build.log" >&2; fail "policy module does not build"; }
TESTS_RUN=$((TESTS_RUN + 1))
if grep -iE 'warning|error' "$T/build.log"; then
        fail "policy build printed warnings"
fi

# With setools and a policy that has the module loaded (SELinux on), check the transitions.
if [ -e /sys/fs/selinux/policy ] && grep -q 1 /sys/fs/selinux/enforce 2>/dev/null &&
        semodule -l 2>/dev/null | grep -qx polkadot; then
        need_cmd sesearch
        TESTS_RUN=$((TESTS_RUN + 1))
        sesearch -T -s init_t -t polkadot_exec_t -c process | grep -q polkadot_t ||
                fail "no transition init_t -> polkadot_t"
        sesearch -T -s polkadot_t -t polkadot_worker_exec_t -c process | grep -q polkadot_worker_t ||
                fail "no transition polkadot_t -> polkadot_worker_t"
else
        echo "note: SELinux is not enabled with the module loaded here; transitions not queried"
fi
pass
