# SPDX-License-Identifier: Apache-2.0
# Release fixtures for scenario tests; source after lib.sh.
#   rel_key                          make the signing key $T/key.{pub,sec} (stock minisign)
#   rel_make DIR VERSION SEQ [OPTS]  stand-in binaries + manifest.json + .minisig in DIR
#        OPTS (env): REL_ARCHIVE=1   execute worker shipped as workers.tar.zst
#                    REL_PAD=BYTES   pad the node binary to this size (disk-full tests)
#                    REL_PAD_FILE=F  pad binary F instead of the node
#                    REL_RANDOM_MB=N append N MiB of random bytes to each binary (benchmarks)
#                    REL_WORKER_VERSION=V  the prepare worker prints V (misaligned release)
#                    REL_ARCHIVE_EXTRA="F…"  more files in that archive (they land next to the
#                                    node: FAIL_AT_START makes the fake node exit at start)
#                    REL_EDIT=PY     python applied to the manifest dict `d` before signing
#   rel_serve DIR                    lighttpd on 127.0.0.1 serving DIR; sets $REL_URL
#   tree_listing ROOT                every path with type, mode, owner, size, mtime, sha256
#   root_snapshot ROOT FILE          what a refused install must not change
#   rel_base_root DOC                a good 1.0.0 served from DOC/base, installed in $BASE
#   assert_current ROOT VERSION      current -> releases/VERSION, complete and verified
need_cmd minisign
need_cmd python3
need_cmd zstd # tar --zstd
need_cmd curl # tests/lighttpd.sh waits with it until the server answers
need_file /usr/sbin/lighttpd # tests/lighttpd.sh runs this one

rel_key() {
        [ -f "$T/key.sec" ] || minisign -G -W -p "$T/key.pub" -s "$T/key.sec" >/dev/null
}

# A stand-in binary: prints VERSION for --version, like the real node and workers;
# `key generate-node-key [--file F]` writes a hex key (to F or stdout) and a peer id to
# stderr, and `--validator` without --node-key-file F (F existing) fails like polkadot >= 1.11.
rel_binary() { # path version
        cat >"$1" <<EOF
#!/bin/sh
[ "\$1" = --version ] && echo $2 && exit 0
if [ "\$1 \$2" = "key generate-node-key" ]; then
        k=\$(od -An -tx1 -N32 /dev/urandom | tr -d ' \\n')
        if [ "\$3" = --file ]; then printf %s "\$k" >"\$4" || exit 1; else printf %s "\$k"; fi
        echo 12D3KooWStandPeerStandPeerStandPeerStandPeer >&2
        exit 0
fi
v= f=
while [ \$# -gt 0 ]; do
        case "\$1" in --validator) v=1 ;; --node-key-file) f=\$2 ;; esac
        shift
done
if [ -n "\$v" ] && { [ -z "\$f" ] || [ ! -f "\$f" ]; }; then
        echo "Error: NetworkKeyNotFound(\"\${f:-default path}\")" >&2
        exit 1
fi
echo "stand-in \$0"
EOF
        chmod 0755 "$1"
}

rel_make() { # dir version sequence
        local dir=$1 version=$2 seq=$3
        rel_key
        mkdir -p "$dir"
        rel_binary "$dir/polkadot" "$version"
        rel_binary "$dir/polkadot-prepare-worker" "${REL_WORKER_VERSION:-$version}"
        rel_binary "$dir/polkadot-execute-worker" "$version"
        if [ -n "${REL_RANDOM_MB:-}" ]; then
                for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
                        head -c "$((REL_RANDOM_MB << 20))" /dev/urandom >>"$dir/$f"
                done
        fi
        if [ -n "${REL_PAD:-}" ]; then
                head -c "$REL_PAD" /dev/urandom | base64 -w 76 | sed 's/^/# /' >>"$dir/${REL_PAD_FILE:-polkadot}"
        fi
        if [ -n "${REL_ARCHIVE:-}" ]; then
                printf 'notes for %s\n' "$version" >"$dir/NOTES"
                for x in ${REL_ARCHIVE_EXTRA:-}; do printf '%s\n' "$x" >"$dir/$x"; done
                # shellcheck disable=SC2086
                tar --zstd -cf "$dir/workers.tar.zst" -C "$dir" polkadot-execute-worker NOTES \
                        ${REL_ARCHIVE_EXTRA:-}
        fi
        python3 - "$dir" "$version" "$seq" "${REL_ARCHIVE:-}" "${REL_EDIT:-}" "${REL_ARCHIVE_EXTRA:-}" <<'PY'
import hashlib, json, os, sys
d_, version, seq, archive, edit, extra = sys.argv[1:7]
def art(name, role, fname=None, fmt="binary"):
    b = open(os.path.join(d_, fname or name), "rb").read()
    return {"name": name, "role": role, "url": fname or name,
            "sha256": hashlib.sha256(b).hexdigest(), "size": len(b), "format": fmt}
def f(name):
    b = open(os.path.join(d_, name), "rb").read()
    return {"path": name, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
arts = [art("polkadot", "node"), art("polkadot-prepare-worker", "prepare-worker")]
if archive:
    a = art("workers.tar.zst", "execute-worker", fmt="tar.zst")
    a["files"] = [f("polkadot-execute-worker"), f("NOTES")] + [f(x) for x in extra.split()]
    arts.append(a)
else:
    arts.append(art("polkadot-execute-worker", "execute-worker"))
d = {"schema": 1, "product": "polkadot", "version": version, "sequence": int(seq),
     "created": "2026-01-01T00:00:00Z", "expires": "2099-01-01T00:00:00Z", "artifacts": arts}
exec(edit)
json.dump(d, open(os.path.join(d_, "manifest.json"), "w"), indent=1)
PY
        rm -f "$dir/manifest.json.minisig"
        minisign -S -s "$T/key.sec" -m "$dir/manifest.json" -t "polkadot $version" >/dev/null
}

rel_serve() { # docroot
        mkdir -p "$T/httpd"
        local port
        port=$(LIGHTTPD_OWNER_PID=$$ bash "$PDI_SOURCE_DIR/tests/lighttpd.sh" start "$1" "$T/httpd")
        PDI_CLEANUP+=("bash '$PDI_SOURCE_DIR/tests/lighttpd.sh' stop '$T/httpd' >/dev/null 2>&1")
        REL_URL="http://127.0.0.1:$port"
}

tree_listing() { # root
        (cd "$1" && find . -path ./var/lib/polkadot-installer/lock -prune -o \
                -printf '%p %y %m %u:%g %s %T@ %l\n' | sort)
        (cd "$1" && find . -type f ! -path ./var/lib/polkadot-installer/lock -exec sha256sum {} + | sort)
}

assert_current() { # root version
        local root=$1 version=$2 f
        [ "$(readlink "$root/opt/polkadot/current")" = "releases/$version" ] ||
                fail "current is $(readlink "$root/opt/polkadot/current"), expected releases/$version"
        for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
                [ "$("$root/opt/polkadot/current/$f" --version)" = "$version" ] ||
                        fail "$f of current does not print $version"
                [ "$(stat -c '%a %u' "$root/opt/polkadot/current/$f")" = "755 0" ] ||
                        fail "$f: mode/owner $(stat -c '%a %u' "$root/opt/polkadot/current/$f")"
        done
        ls "$root/opt/polkadot/releases" | grep -q partial && fail "a .partial release is left" || true
}

# What a refusal must not change: the release tree, the bin link and the state. Staging
# creates and removes releases/VERSION.partial, so the mtime of releases/ itself is the one
# field allowed to change; every entry, mode, owner, size, mtime and hash below it is kept.
root_snapshot() { # root file
        {
                tree_listing "$1/opt" | sed -E 's|^(\./polkadot/releases d [^ ]+ [^ ]+ [^ ]+) [^ ]+ |\1 - |'
                tree_listing "$1/usr"
                sha256sum "$1/var/lib/polkadot-installer/state.json" | cut -d' ' -f1
        } >"$2"
}

# A good 1.0.0 served by rel_serve from DOC/base and installed over HTTP into $T/base-root,
# named $BASE, for tests that copy it per case.
rel_base_root() { # doc
        rel_make "$1/base" 1.0.0 1
        BASE="$T/base-root"
        mkdir -p "$BASE"
        expect 0 'is active' "$PDI" install --root "$BASE" --manifest "$REL_URL/base/manifest.json" \
                --trusted-key "$T/key.pub"
        assert_current "$BASE" 1.0.0
}
