# SPDX-License-Identifier: Apache-2.0
# A cached Debian bookworm tree made by debootstrap, shared by container.sh (the systemd
# container) and test_packages.sh (the pristine tree the package lists are proved on). Source
# after lib.sh.
#   debian_mirror                    the Debian mirror this host's apt already uses, so no
#                                    host name is baked in here (PDI_DEBIAN_MIRROR overrides)
#   debian_tree_ensure DIR KEY INCLUDE CHECK
#                                    DIR/root is `debootstrap --variant=minbase
#                                    [--include=INCLUDE] bookworm` once DIR/key holds KEY and
#                                    DIR/root/CHECK exists; built under DIR/.lock, so parallel
#                                    tests wait for one build. The .debs stay in DIR/debs and
#                                    a rebuild (a new KEY) downloads only what changed.
need_root "debootstrap, chroot"
need_cmd debootstrap
need_cmd flock

debian_mirror() {
        [ -n "${PDI_DEBIAN_MIRROR:-}" ] && { echo "$PDI_DEBIAN_MIRROR"; return; }
        # Missing files are normal here; awk reads to the end so nothing gets SIGPIPE.
        {
                grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
                grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                        sed 's/\[[^]]*\]//; s/^deb/URIs:/' || true
        } | awk '{ for (i = 2; i <= NF; i++) if (!found && $i !~ /security|^cdrom/) { print $i; found = 1 } }'
        return 0
}

debian_tree_build() { # dir key include
        local dir=$1 key=$2 include=$3 tmp="$1/root.new.$$" mirror
        mirror=$(debian_mirror)
        echo "==> building a bookworm tree in $dir (mirror ${mirror:-debootstrap default})"
        rm -rf "$dir"/root.new.* # a build killed part way
        mkdir -p "$dir/debs"
        # shellcheck disable=SC2086
        if ! timeout 900 debootstrap --variant=minbase ${include:+--include="$include"} \
                --cache-dir="$dir/debs" bookworm "$tmp" $mirror >"$dir/debootstrap.log" 2>&1; then
                tail -n 20 "$dir/debootstrap.log" >&2
                rm -rf "$tmp"
                fail "debootstrap failed (log: $dir/debootstrap.log)"
        fi
        rm -rf "$dir/root"
        mv "$tmp" "$dir/root"
        echo "$key" >"$dir/key"
}

debian_tree_ensure() { # dir key include check
        local dir=$1 key=$2 include=$3 check=$4
        mkdir -p "$dir"
        exec 9>"$dir/.lock"
        timeout 1200 flock 9 || fail "$dir is locked by another run"
        if [ "$(cat "$dir/key" 2>/dev/null)" != "$key" ] || [ ! -e "$dir/root/$check" ]; then
                debian_tree_build "$dir" "$key" "$include"
        fi
        exec 9>&-
}
