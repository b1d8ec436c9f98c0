#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No setting becomes a directive (issue 15 §2): every field that reaches a rendered file, fed
# from every source every byte 0x00-0x1f and 0x7f, quotes, '%', '$', '\', '`', a blank, an
# over-long and a non-UTF-8 value, is refused in one line with the root left as it was, or
# rendered so that systemd-analyze verify is silent and a re-parse gives the value back. The
# table and the judging are in setting_values.py.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd systemd-analyze
case "$PDI" in *-installer) ;; *) fail "PDI must end in -installer: $PDI" ;; esac
rel_make "$T/rel" 1.0.0 1
python3 "$(dirname "$0")/setting_values.py" "$PDI" "$T" || fail "setting values: see above"
