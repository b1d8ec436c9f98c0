# SPDX-License-Identifier: Apache-2.0
# bash completion for polkadot-installer. Installed as
# share/bash-completion/completions/polkadot-installer.
#
# The commands and options come from the program's own --help (read once per shell and
# command, then cached), so the completion cannot fall behind the program: a command or an
# option --help lists is offered (tests/scenario/test_completion.sh checks every one). An
# option whose value is a FILE, PATH, SECRET or DIR completes file or directory names.

# _polkadot_installer_help PROG [COMMAND...]: the help text, cached.
_polkadot_installer_help() {
        local key="$*"
        if [[ -z ${_pdi_help_cache[$key]+set} ]]; then
                _pdi_help_cache[$key]=$("$@" --help 2>/dev/null)
        fi
        printf '%s\n' "${_pdi_help_cache[$key]}"
}

# The commands of the top-level help ("manifest create" gives "manifest create").
_polkadot_installer_commands() {
        _polkadot_installer_help "$1" | sed -n '/^Commands:/,/^$/p' |
                sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' | sed 's/ *$//' | grep -v '^help COMMAND'
}

# The option column of a command's help: "--manifest URL|PATH", "-q, --quiet", … one a line.
_polkadot_installer_optcols() {
        _polkadot_installer_help "$@" | sed -n '/^\(Common o\|O\)ptions:/,$p' | grep -E '^ {2,}-' |
                sed -E 's/^ +//; s/  +.*//'
}

_polkadot_installer() {
        declare -gA _pdi_help_cache 2>/dev/null || true
        local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=""
        [[ $COMP_CWORD -gt 0 ]] && prev=${COMP_WORDS[COMP_CWORD - 1]}
        local commands first=() second=() cmd=() i w
        commands=$(_polkadot_installer_commands "$prog")
        while read -r w rest; do
                first+=("$w")
                [[ -n $rest ]] && second+=("$w $rest")
        done <<<"$commands"

        # The command typed so far: one word, or two for "manifest create".
        for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                [[ $w == -* ]] && continue
                if [[ ${#cmd[@]} -eq 0 ]]; then
                        cmd=("$w")
                elif [[ ${#cmd[@]} -eq 1 ]] && grep -qx "${cmd[0]} $w" <<<"$commands"; then
                        cmd+=("$w")
                        break
                else
                        break
                fi
        done

        if [[ ${#cmd[@]} -eq 0 ]]; then
                if [[ $cur == -* ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
                else
                        mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' "${first[@]}" | sort -u) help" -- "$cur")
                fi
                return 0
        fi
        if [[ ${cmd[0]} == help ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' "${first[@]}" | sort -u)" -- "$cur")
                return 0
        fi
        # The first word of a two-word command: its second words.
        if [[ ${#cmd[@]} -eq 1 ]] && ! grep -qx "${cmd[0]}" <<<"$commands"; then
                mapfile -t COMPREPLY < <(compgen -W "$(sed -n "s/^${cmd[0]} //p" <<<"$commands")" -- "$cur")
                return 0
        fi

        local cols opts
        cols=$(_polkadot_installer_optcols "$prog" "${cmd[@]}")
        # The value of the previous option, by the placeholder its help shows.
        if [[ $prev == --* ]]; then
                local col
                col=$(grep -E -- "(^|[ ,|])$prev( |\$)" <<<"$cols" | head -n 1)
                case $col in
                *"$prev DIR"*)
                        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                        return 0
                        ;;
                *"$prev FILE"* | *"$prev PATH"* | *"$prev SECRET"* | *"$prev URL|PATH"* | *"$prev NAME|PATH"*)
                        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                        return 0
                        ;;
                *"$prev "[A-Z\']*)
                        COMPREPLY=()
                        return 0
                        ;;
                esac
        fi
        opts=$(grep -oE -- '(^|[ ,|])--?[a-zA-Z][a-z-]*' <<<"$cols" | sed -E 's/^[ ,|]//' | sort -u)
        if [[ $cur == -* || -z $cur ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
                [[ -n $cur ]] && return 0
        fi
        # Positional arguments (sign MANIFEST): file names.
        if [[ -n $cur ]]; then
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
}

complete -F _polkadot_installer polkadot-installer
