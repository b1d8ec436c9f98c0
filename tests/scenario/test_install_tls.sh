#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# https sources: the server's certificate is verified (a private CA only with --cacert), and
# a redirect from https never goes to http. A throwaway CA and server certificate for
# 127.0.0.1 are made with openssl; lighttpd serves the releases over TLS.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd openssl
need_file /usr/lib/lighttpd/mod_openssl.so # tests/lighttpd.sh with TLS_PEM loads it

mkdir -p "$T/srv" "$T/pki"
rel_make "$T/srv/1.0.0" 1.0.0 1
rel_serve "$T/srv" # plain http: where the redirect points
HTTP_URL=$REL_URL

(
        cd "$T/pki"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pdi test CA" \
                -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext
        openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
                -extfile ext -out srv.pem
        cat srv.pem srv.key >server.pem
) >"$T/pki/log" 2>&1 || { cat "$T/pki/log"; fail "openssl could not make the test certificates"; }

port=$(TLS_PEM="$T/pki/server.pem" LIGHTTPD_OWNER_PID=$$ bash "$PDI_SOURCE_DIR/tests/lighttpd.sh" \
        start "$T/srv" "$T/https" 'server.modules += ( "mod_redirect" )' \
        "url.redirect = ( \"^/redir/(.*)\$\" => \"$HTTP_URL/\$1\" )")
PDI_CLEANUP+=("bash '$PDI_SOURCE_DIR/tests/lighttpd.sh' stop '$T/https' >/dev/null 2>&1")
HTTPS_URL="https://127.0.0.1:$port"
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" "${@:2}"; }

# Not signed by a CA the system trusts: refused before anything is read.
mkdir -p "$T/r1"
expect 1 "^error: $HTTPS_URL/1.0.0/manifest.json: SSL certificate problem: unable to get local issuer certificate\$" \
        inst "$T/r1" --manifest "$HTTPS_URL/1.0.0/manifest.json"
expect_one_error_line
[ ! -e "$T/r1/opt" ] || fail "an unverified server's manifest staged something"

# With the CA given by --cacert: installed.
expect 0 'install 1.0.0: /opt/polkadot/current is active' \
        inst "$T/r1" --manifest "$HTTPS_URL/1.0.0/manifest.json" --cacert "$T/pki/ca.pem"
assert_current "$T/r1" 1.0.0
# … which is the only CA then (CURLOPT_CAINFO replaces the system bundle), as --help says.
expect 0 "--cacert FILE +use this CA bundle instead of the system's for https" "$PDI" install --help

# A redirect from https to http would drop TLS: refused, though the http side serves it.
curl -fsS -o /dev/null "$HTTP_URL/1.0.0/manifest.json" || fail "the redirect target does not serve"
mkdir -p "$T/r2"
expect 1 "^error: $HTTPS_URL/redir/1.0.0/manifest.json: redirect to $HTTP_URL/1.0.0/manifest.json refused \(https only to https, never to file://\)\$" \
        inst "$T/r2" --manifest "$HTTPS_URL/redir/1.0.0/manifest.json" --cacert "$T/pki/ca.pem"
expect_one_error_line
[ ! -e "$T/r2/opt" ] || fail "a redirect to http staged something"

pass
