#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bash completion (contrib/polkadot-installer.bash): every command the top-level --help
# lists, and every option of every command's --help, is offered; option values complete
# directories for DIR and file names for FILE/PATH; the two-word command completes its
# second word.
source "$(dirname "$0")/lib.sh"
COMPLETION=$PDI_SOURCE_DIR/contrib/polkadot-installer.bash
bash -n "$COMPLETION" || fail "$COMPLETION is not valid bash"

# complete WORD...: what the completion offers for the last word, one a line, sorted.
complete_words() {
        bash -c 'source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
                _polkadot_installer
                [ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$PDI" "$@"
}

offered() { # what-list description
        local w
        while read -r w; do
                TESTS_RUN=$((TESTS_RUN + 1))
                grep -qxF -- "$w" "$T/offered" || fail "$2: '$w' is not offered (offered: $(tr '\n' ' ' <"$T/offered"))"
        done <"$1"
}

# The commands, as test_cli.sh reads them from --help.
"$PDI" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' |
        sed 's/ *$//' | grep -v '^help COMMAND' >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 10 ] || fail "too few commands in --help: $(cat "$T/commands")"
cut -d' ' -f1 "$T/commands" | sort -u >"$T/first"
echo help >>"$T/first"
complete_words "" >"$T/offered"
offered "$T/first" "top level"
complete_words "help" "" >"$T/offered"
cut -d' ' -f1 "$T/commands" | sort -u >"$T/want"
offered "$T/want" "help COMMAND"
complete_words "--" >"$T/offered"
printf '%s\n' --help --version >"$T/want"
offered "$T/want" "top-level options"
# A prefix narrows it.
complete_words "ver" >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
[ "$(cat "$T/offered")" = verify ] || fail "'ver' completes to '$(cat "$T/offered")', expected verify"

while read -r cmd; do
        # shellcheck disable=SC2086
        set -- $cmd
        if [ $# = 2 ]; then
                complete_words "$1" "" >"$T/offered"
                echo "$2" >"$T/want"
                offered "$T/want" "$1"
        fi
        # Every option its --help shows in the option column, also after '|' ("--enable |
        # --disable") and ", " ("-q, --quiet").
        # shellcheck disable=SC2086
        "$PDI" $cmd --help | sed -n '/^\(Common o\|O\)ptions:/,$p' | grep -E '^ {2,}-' | sed -E 's/^ +//; s/  +.*//' |
                grep -oE -- '(^|[ ,|])--?[a-zA-Z][a-z-]*' | sed -E 's/^[ ,|]//' >"$T/want"
        # … and test_cli.sh's own reading (what the man page must document).
        # shellcheck disable=SC2086
        "$PDI" $cmd --help | sed -n '/^\(Common o\|O\)ptions:/,$p' | grep -o -- '^ *--[a-z][a-z-]*' | tr -d ' ' >>"$T/want"
        sort -u -o "$T/want" "$T/want"
        grep -qx -- --root "$T/want" || fail "$cmd: no --root among its options: $(cat "$T/want")"
        # shellcheck disable=SC2086
        complete_words $cmd "" >"$T/offered"
        offered "$T/want" "$cmd"
        # shellcheck disable=SC2086
        complete_words $cmd "--" >"$T/offered"
        grep -v '^--' "$T/want" >"$T/short" || true
        grep '^--' "$T/want" >"$T/long"
        offered "$T/long" "$cmd --"
done <"$T/commands"

# Option values.
mkdir -p "$T/pick/dir-a" && : >"$T/pick/file-b"
complete_words status --root "$T/pick/" >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
[ "$(cat "$T/offered")" = "$T/pick/dir-a" ] || fail "--root DIR offers '$(cat "$T/offered")', expected only the directory"
complete_words verify --manifest "$T/pick/" >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
printf '%s\n' "$T/pick/dir-a" "$T/pick/file-b" >"$T/want"
cmp -s "$T/want" "$T/offered" || fail "--manifest URL|PATH offers '$(cat "$T/offered")', expected both names"
complete_words install --keep "" >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
[ ! -s "$T/offered" ] || fail "--keep N offers '$(cat "$T/offered")', expected nothing"
# An option of the command typed so far, not of another: verify has no --dry-run.
complete_words verify --dr >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
[ ! -s "$T/offered" ] || fail "verify --dr offers '$(cat "$T/offered")'"
complete_words install --dr >"$T/offered"
TESTS_RUN=$((TESTS_RUN + 1))
[ "$(cat "$T/offered")" = --dry-run ] || fail "install --dr offers '$(cat "$T/offered")'"
pass
