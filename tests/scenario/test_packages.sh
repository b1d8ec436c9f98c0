#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The package step, proved the way a new machine runs it. Two halves:
#
# lint: no test under tests/ skips (exit 77) or probes for a tool other than through the
#   helpers of lib.sh (need_root, need_cmd, need_file, have_cmd, skip), so that everything any
#   test probes for can be collected by grep; a planted ad-hoc probe must be caught and the
#   tree as it is must pass (the lint's own controls).
#
# proof (root): in a copy of a pristine Debian 12 (`debootstrap --variant=minbase bookworm`,
#   cached), chrooted in a private mount and PID namespace, scripts/lib.sh's own
#   pdi_ensure_for runs for demo.sh, bench/ and test.sh in turn, each followed by the check
#   that what that entry point needs is there: every need_cmd/need_file/have_cmd of
#   tests/scenario, the commands tests/unit runs, tests/lighttpd.sh's server, bench's TOOLS,
#   every pkg-config module and path of the CMake files; the compilers build a static-pie, an
#   ASan+UBSan and a libFuzzer program; and `cmake -S src -B b` configures in each of test.sh's
#   configurations (with the SELinux module target). Nothing is left behind: the namespace
#   ends with the test (unshare --kill-child), and no mount or process of the copy remains.
#
#   PDI_PKG_CACHE  the cache (default /var/cache/pdi-test/packages): root/ the pristine tree
#                  (rebuilt when its key changes), debs/ debootstrap's downloads, archives/
#                  the .debs apt downloads in the copies, kept for the next run
#   PDI_DEBIAN_MIRROR  as for container.sh (default: the first mirror in /etc/apt/sources*)
source "$(dirname "$0")/lib.sh"
SRC=$PDI_SOURCE_DIR
# Bump when the pristine tree or the way the copy is prepared changes.
PKG_TEST_VERSION=v1

# ---- lint --------------------------------------------------------------------------------
# lint_tree DIR: the violations in DIR/tests, one a line ("file:line: what"), nothing if clean.
# This file is left out: its planted probes below are the lint's fixtures, and the check in
# the chroot is the one place that asks for commands by hand.
lint_tree() {
        local d=$1 skip_self="grep -v ^$1/tests/scenario/test_packages.sh:"
        # An exit code 77 anywhere but lib.sh's skip(): the shell tests, and C tests that exit
        # with it (cmocka's skip() is seen by scripts/test.sh in the test's output).
        grep -rnE '\b(exit|return)[[:space:]]+"?77"?\b|\b_?exit[[:space:]]*\([[:space:]]*77[[:space:]]*\)' \
                "$d/tests" --include='*.sh' --include='*.c' --include='*.py' | $skip_self |
                grep -v "^$d/tests/scenario/lib.sh:" | sed "s|^$d/||; s|\$|: exits 77 outside lib.sh's skip()|" || true
        # A probe for a tool by hand: lib.sh's need_cmd/have_cmd are the only ones.
        grep -rnE '(^|[;&|(!{`]|\b(then|do|if|elif|while|until))[[:space:]]*(command[[:space:]]+-v|which|type[[:space:]]+-[pP]|hash)[[:space:]]' \
                "$d/tests" --include='*.sh' | $skip_self |
                grep -v "^$d/tests/scenario/lib.sh:" | grep -vE ':[0-9]+:[[:space:]]*#' |
                sed "s|^$d/||; s|\$|: probes by hand (use need_cmd or have_cmd of tests/scenario/lib.sh)|" || true
        # A skip message by hand.
        grep -rniE 'echo[[:space:]]+"?(skip|skipped)[: ]' "$d/tests" --include='*.sh' | $skip_self |
                grep -v "^$d/tests/scenario/lib.sh:" |
                sed "s|^$d/||; s|\$|: prints a skip by hand (use skip of tests/scenario/lib.sh)|" || true
        # Probes must name literal things, so that grep collects them.
        grep -rnE '(^|[;&|!]|\b(if|then|do|elif|while))[[:space:]]*(need_cmd|need_file|have_cmd)[[:space:]][^#;&|]*[$`*?]' \
                "$d/tests" --include='*.sh' |
                $skip_self | sed "s|^$d/||; s|\$|: a probe with a variable or pattern (name it literally)|" || true
}

TESTS_RUN=$((TESTS_RUN + 1))
lint_tree "$SRC" >"$T/lint"
if [ -s "$T/lint" ]; then
        cat "$T/lint" >&2
        fail "tests skip or probe outside tests/scenario/lib.sh's helpers (above)"
fi
echo "ok: lint: every skip and probe under tests/ goes through lib.sh's helpers"

# The lint's controls: each kind of ad-hoc probe, planted in a scratch copy, is caught.
mkdir -p "$T/lint-tree/tests/scenario"
cp "$SRC/tests/scenario/lib.sh" "$T/lint-tree/tests/scenario/"
i=0
while IFS= read -r line; do
        line=${line#| } # the prefix keeps these lines from being this file's own probes
        i=$((i + 1))
        printf '#!/bin/bash\nsource lib.sh\n%s\n' "$line" >"$T/lint-tree/tests/scenario/test_planted.sh"
        TESTS_RUN=$((TESTS_RUN + 1))
        [ -n "$(lint_tree "$T/lint-tree")" ] || fail "lint misses a planted probe: $line"
done <<'EOF'
| command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
| [ -e /usr/lib/lighttpd/mod_openssl.so ] || exit 77
| which gcc >/dev/null || exit 1
| if type -p strace >/dev/null; then strace true; fi
| echo "skip: no devel files"; exit 0
| need_cmd "$tool"
| if have_cmd $CC; then :; fi
|   exit 77 # indented
EOF
printf 'int main(void) { return 0; }\nstatic void f(void) { _exit(77); }\n' >"$T/lint-tree/tests/scenario/planted.c"
rm "$T/lint-tree/tests/scenario/test_planted.sh"
TESTS_RUN=$((TESTS_RUN + 1))
[ -n "$(lint_tree "$T/lint-tree")" ] || fail "lint misses _exit(77) in a C test"
rm "$T/lint-tree/tests/scenario/planted.c"
TESTS_RUN=$((TESTS_RUN + 1))
[ -z "$(lint_tree "$T/lint-tree")" ] || fail "lint flags lib.sh itself: $(lint_tree "$T/lint-tree")"
echo "ok: lint catches each of $((i + 1)) planted probes and passes lib.sh"

# ---- what each entry point needs, collected ---------------------------------------------
# Lines "PHASE KIND NAME FROM": KIND cmd (a command in PATH), file (a path), pkg (a pkg-config
# module). Every collector must find something: one that finds nothing has lost track of
# its source and fails here rather than prove less.
collected() { # phase kind from names...
        local phase=$1 kind=$2 from=$3 n
        shift 3
        [ $# -gt 0 ] || fail "collecting ${kind}s for $phase from $from found nothing: update test_packages.sh"
        for n in "$@"; do printf '%s %s %s %s\n' "$phase" "$kind" "$n" "$from"; done
}

# tests/lighttpd.sh (release.sh, the unit tests of fetch, demo.sh): its server binary, and
# curl that waits for it.
lighttpd_needs() { # phase
        collected "$1" file tests/lighttpd.sh \
                $(sed -n 's/^LIGHTTPD=\${LIGHTTPD:-\(\/[^}]*\)}$/\1/p' "$SRC/tests/lighttpd.sh")
        collected "$1" cmd tests/lighttpd.sh $(grep -ow 'curl' "$SRC/tests/lighttpd.sh" | sort -u)
}

# The CMake files: pkg-config itself, every module of pkg_check_modules, every program of
# find_program and every absolute path the configuration tests for (the SELinux devel files:
# without them CMake silently drops the module's target).
cmake_needs() { # phase
        local f files
        files=$(cd "$SRC" && find . \( -name 'build*' -o -name .git \) -prune -o \
                \( -name CMakeLists.txt -o -name '*.cmake' \) -print | sed 's|^\./||' | sort)
        [ -n "$files" ] || fail "no CMake files under $SRC"
        for f in $files; do
                # One call a line: the calls' arguments joined over their lines.
                awk '{ sub(/#.*/, "") } { buf = buf " " $0 } END { print buf }' "$SRC/$f" |
                        grep -oE '(pkg_check_modules|find_program|find_package)\([^)]*\)' |
                        sed 's/[()]/ /g' >"$T/cmake.calls" || true
                [ -s "$T/cmake.calls" ] || continue
                if grep -q '^find_package  *PkgConfig ' "$T/cmake.calls"; then
                        collected "$1" cmd "$f" pkg-config
                fi
                # pkg_check_modules(PREFIX [REQUIRED] [QUIET] [IMPORTED_TARGET] [GLOBAL] mod…)
                awk '$1 == "pkg_check_modules" { for (i = 3; i <= NF; i++)
                        if ($i !~ /^(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)$/) print $i }' \
                        "$T/cmake.calls" >"$T/cmake.mods"
                if [ -s "$T/cmake.mods" ]; then collected "$1" pkg "$f" $(cat "$T/cmake.mods"); fi
                # find_program(VAR NAMES a b …): the first name stands for the group.
                awk '$1 == "find_program" { print ($3 == "NAMES" ? $4 : $3) }' "$T/cmake.calls" >"$T/cmake.progs"
                if [ -s "$T/cmake.progs" ]; then collected "$1" cmd "$f" $(cat "$T/cmake.progs"); fi
        done
        # set(VAR /abs/path) that the configuration then tests with EXISTS.
        for f in $files; do
                sed -n 's/^ *set(\([A-Z_]*\) \(\/[^ )]*\))$/\1 \2/p' "$SRC/$f" | while read -r var path; do
                        if grep -q "EXISTS \${$var}" "$SRC/$f"; then collected "$1" file "$f" "$path"; fi
                done
        done
        return 0
}

# demo.sh and bench/ build with -DPDI_TESTING=OFF: the proof configures that (no cmocka, the
# SELinux module optional) instead of listing the CMake files' needs.
needs_of_demo() {
        lighttpd_needs demo
}

needs_of_bench() {
        local f
        lighttpd_needs bench
        for f in "$SRC"/bench/*.sh; do
                grep -q '^DEFAULT_ROUNDS=.* TOOLS="' "$f" || continue
                collected bench cmd "bench/${f##*/}" $(sed -n 's/.*TOOLS="\([^"]*\)".*/\1/p' "$f")
        done
        # bench/lib.sh: for t in $TOOLS python3 minisign /usr/bin/time; do command -v …
        collected bench cmd bench/lib.sh \
                $(sed -n 's/^for t in \$TOOLS \(.*\); do$/\1/p' "$SRC/bench/lib.sh")
}

needs_of_test() {
        local f kind
        # tests/scenario: the helpers' probes with literal names (the lint sees to it), where a
        # command starts (not in comments or messages).
        for f in $(cd "$SRC" && find tests/scenario -name '*.sh' | sort); do
                for kind in need_cmd have_cmd need_file; do
                        # Lines opening with "| " are the lint's planted fixtures above.
                        grep -v -e '^[[:space:]]*#' -e '^| ' "$SRC/$f" |
                                grep -oE "(^|[;&|!]|\b(if|then|do|elif|while))[[:space:]]*$kind[[:space:]]+[^;&|#)]*" |
                                sed -E "s/.*$kind[[:space:]]+//" >"$T/probes" || true
                        [ -s "$T/probes" ] || continue
                        # shellcheck disable=SC2046
                        collected test "$([ $kind = need_file ] && echo file || echo cmd)" "$f" $(cat "$T/probes")
                done
        done
        # tests/unit: what the C tests run and skip without (cmocka skip()).
        collected test cmd tests/unit $(find "$SRC/tests/unit" -name '*.c' -exec cat {} + |
                grep -oE 'command -v [A-Za-z0-9_.+-]+|have\("[^"]+"\)|system\("[A-Za-z0-9_.+-]+ ' |
                sed -E 's/^command -v //; s/^have\("(.*)"\)$/\1/; s/^system\("//; s/ $//' |
                grep -vxE 'command|exit|true|false|cd|test' | sort -u)
        lighttpd_needs test
        cmake_needs test
        # scripts/test.sh and its lib.sh: the tools they run (ctest, clang for the fuzz build).
        collected test cmd scripts/test.sh cmake ctest \
                $(grep -ohE 'command -v [A-Za-z0-9_.+-]+' "$SRC"/scripts/*.sh | sed 's/^command -v //' |
                        sort -u)
}

{
        needs_of_demo
        needs_of_bench
        needs_of_test
} | sort -u >"$T/needs"
# The collection must see the probes this test exists for (issue 10: the TLS module).
for n in "file /usr/lib/lighttpd/mod_openssl.so" "cmd openssl" "cmd systemd-analyze" "pkg cmocka" \
        "cmd debootstrap" "file /usr/share/selinux/devel/Makefile" "cmd /usr/bin/time"; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -q " $n " "$T/needs" || fail "the collection lacks '$n': $(cat "$T/needs")"
done
echo "ok: collected $(wc -l <"$T/needs") needs: $(awk '$1 == "test"' "$T/needs" | wc -l) of test.sh, $(awk '$1 == "bench"' "$T/needs" | wc -l) of bench/, $(awk '$1 == "demo"' "$T/needs" | wc -l) of demo.sh"

# The proof runs demo, bench and test one after the other on the same copy. That proves each
# alone only while the earlier lists add nothing a later one lacks: demo's and bench's
# packages must all be in build+test (time, bench's, is also test_audit_confined's).
# shellcheck source=scripts/lib.sh
EXTRA=$(bash -c 'source "$1/scripts/lib.sh"
        for p in "${PDI_DEMO_PACKAGES[@]}" "${PDI_BENCH_PACKAGES[@]}"; do
                case " ${PDI_BUILD_PACKAGES[*]} ${PDI_TEST_PACKAGES[*]} " in *" $p "*) ;; *) echo "$p" ;; esac
        done | sort -u | tr "\n" " "' _ "$SRC")
TESTS_RUN=$((TESTS_RUN + 1))
[ -z "$EXTRA" ] ||
        fail "demo/bench lists add '$EXTRA' beyond build+test: prove them apart or name them here"

# ---- proof on a pristine Debian 12 -------------------------------------------------------
need_root "debootstrap, chroot, mounts in a private mount namespace"
need_cmd unshare
need_cmd chroot
source "$(dirname "$0")/debian.sh"
trap 'exit 143' TERM INT HUP # through lib.sh's EXIT trap: the namespace is ended there

PKG_CACHE=${PDI_PKG_CACHE:-/var/cache/pdi-test/packages}
# The pristine tree does not depend on the package lists (they are installed into a copy each
# run), so its key is this test's version only: a change to the lists costs no rebuild.
debian_tree_ensure "$PKG_CACHE" "$PKG_TEST_VERSION bookworm minbase" "" usr/bin/apt-get
mkdir -p "$PKG_CACHE/archives/partial"

W="$T/debian"
cp -a --reflink=auto "$PKG_CACHE/root" "$W"
cp /etc/resolv.conf "$W/etc/resolv.conf" 2>/dev/null || true
# The one change to the pristine tree: no daemon starts in the chroot (it shares the host's
# network: lighttpd's postinst would start a server on port 80).
printf '#!/bin/sh\nexit 101\n' >"$W/usr/sbin/policy-rc.d"
chmod 0755 "$W/usr/sbin/policy-rc.d"
mkdir -p "$W/src"
# One line a need, with every file that asks for it.
awk '{ k = $1 " " $2 " " $3; from[k] = (k in from ? from[k] "," : "") $4 }
     END { for (k in from) print k, from[k] }' "$T/needs" | sort >"$W/root/needs"

# Run inside the chroot: one entry point's packages, then its needs.
cat >"$W/root/prove.sh" <<'EOF'
set -uo pipefail
phase=$1
SECONDS=0
echo "==> [$phase] pdi_ensure_for $phase (scripts/lib.sh) on this tree"
# shellcheck disable=SC1091
( source /src/scripts/lib.sh && pdi_ensure_for "$phase" ) >"/root/apt-$phase.log" 2>&1
rc=$?
grep '^==> ' "/root/apt-$phase.log"
echo "==> [$phase] packages: ${SECONDS} s"
if [ "$rc" != 0 ]; then
        tail -n 30 "/root/apt-$phase.log"
        echo "FAIL: pdi_ensure_for $phase exited $rc"
        exit 1
fi
bad=0
missing() { echo "MISSING after pdi_ensure_for $phase: $*"; bad=1; }
while read -r p kind name from; do
        [ "$p" = "$phase" ] || continue
        case $kind in
        cmd) command -v "$name" >/dev/null || missing "command $name (for $from)" ;;
        file) [ -e "$name" ] || missing "file $name (for $from)" ;;
        pkg) pkg-config --exists "$name" || missing "pkg-config module $name (for $from)" ;;
        esac
done </root/needs
# The toolchain's parts that no single file stands for.
cd "$(mktemp -d)"
printf '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n' >hello.c
try() { # what cmd...
        local what=$1
        shift
        "$@" >try.log 2>&1 || { cat try.log; missing "$what: $*"; }
}
try "gcc" gcc -o hello hello.c
if [ "$phase" = test ]; then
        try "a static-pie (tests/scenario/elf.sh)" gcc -static-pie -o hello-static hello.c
        try "ASan+UBSan (PDI_SANITIZE)" gcc -fsanitize=address,undefined -o hello-asan hello.c
        [ -x hello-asan ] && try "the ASan runtime" ./hello-asan
        printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >fz.c
        try "libFuzzer (PDI_FUZZ)" clang -fsanitize=fuzzer,address,undefined -o fz fz.c
        [ -x fz ] && try "a libFuzzer run" ./fz -runs=10
fi
# CMake configures from the untouched source in each configuration the entry point builds.
conf() { # dir options...
        local d=$1
        shift
        echo "==> [$phase] cmake -S /src -B $d $*"
        cmake -S /src -B "$d" "$@" >"$d.log" 2>&1 || { tail -n 30 "$d.log"; missing "cmake configure $*"; }
}
case $phase in
demo) conf /tmp/b-demo -DPDI_TESTING=OFF ;;
bench) conf /tmp/b-bench -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF ;;
test)
        conf /tmp/b
        conf /tmp/b-release -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF
        conf /tmp/b-asan -DPDI_SANITIZE=ON
        CC=clang conf /tmp/b-fuzz -DPDI_FUZZ=ON -DPDI_TESTING=OFF
        # The SELinux module is built only where CMake found the devel files.
        if [ -f /tmp/b/Makefile ]; then
                make -C /tmp/b help >/tmp/b-targets 2>&1 || true
                grep -qw selinux-module /tmp/b-targets ||
                        missing "the selinux-module target (CMake did not find the policy devel files)"
        fi
        ;;
esac
[ "$bad" = 0 ] && echo "==> [$phase] every need is there (${SECONDS} s)"
exit "$bad"
EOF

# In a private mount namespace (nothing mounted here is seen outside) and PID namespace (its
# processes end with it): /proc, the source tree read-only at /src, apt's download cache.
cat >"$T/ns.sh" <<'EOF'
set -eu
W=$1 SRC=$2 ARCHIVES=$3
mount -t proc proc "$W/proc"
mount --bind "$SRC" "$W/src"
mount -o remount,bind,ro "$W/src"
mount --bind "$ARCHIVES" "$W/var/cache/apt/archives"
rc=0
for phase in demo bench test; do
        chroot "$W" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                /bin/bash /root/prove.sh "$phase" || rc=1
done
exit "$rc"
EOF

ns_processes() { # processes whose root is the copy
        local p n=0
        for p in /proc/[0-9]*; do
                case "$(readlink "$p/root" 2>/dev/null)" in "$W" | "$W"/*) n=$((n + 1)) ;; esac
        done
        echo "$n"
}
ns_mounts() { awk -v w="$W" '$5 == w || index($5, w "/") == 1' /proc/self/mountinfo | wc -l; }

# Cleanup (also on a signal or a failure): end the namespace, then check nothing remains
# before lib.sh removes $T; a mount left under the copy would make rm -rf reach through it.
ns_end() {
        if [ -n "${NS_PID:-}" ]; then
                kill -KILL "$NS_PID" 2>/dev/null || true
                wait "$NS_PID" 2>/dev/null || true
                NS_PID=
        fi
        for _ in $(seq 50); do
                [ "$(ns_processes)" = 0 ] && break
                sleep 0.1
        done
        if [ "$(ns_mounts)" != 0 ]; then
                PDI_KEEP_T="mounts under $W remain (see /proc/self/mountinfo)"
        fi
}
PDI_CLEANUP+=("ns_end")

# One proof at a time on this machine: apt locks the shared download cache.
exec 8>"$PKG_CACHE/.proof.lock"
timeout 1200 flock 8 || fail "$PKG_CACHE is locked by another proof"
start=$SECONDS
unshare --mount --pid --fork --kill-child --propagation private \
        timeout -k 10 1500 bash "$T/ns.sh" "$W" "$SRC" "$PKG_CACHE/archives" >"$T/proof.log" 2>&1 &
NS_PID=$!
rc=0
wait "$NS_PID" || rc=$?
NS_PID=
exec 8>&-
cat "$T/proof.log"
echo "==> proof took $((SECONDS - start)) s"

TESTS_RUN=$((TESTS_RUN + 1))
[ "$(ns_mounts)" = 0 ] || fail "mounts of the chroot leaked: $(awk -v w="$W" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo)"
[ "$(ns_processes)" = 0 ] || fail "$(ns_processes) processes of the chroot remain"
if [ "$rc" != 0 ] || grep -q '^MISSING\|^FAIL' "$T/proof.log"; then
        grep '^MISSING\|^FAIL' "$T/proof.log" >&2 || true
        fail "scripts/lib.sh's package lists do not give a pristine Debian 12 what the tests need (above)"
fi
for phase in demo bench test; do
        TESTS_RUN=$((TESTS_RUN + 1))
        grep -q "^==> \[$phase\] every need is there" "$T/proof.log" || fail "$phase: not proved"
done
pass
