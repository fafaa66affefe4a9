# Bash completion for chaos-shim-ctl: subcommands, their options, segment
# names (from `list`), rule names (from the segment's `stats`, or for
# `sweep --rule` from the profile file), installed profile names (from
# `profiles`) and profile files.

_chaos_shim_ctl_segment() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --segment) echo "${COMP_WORDS[i + 1]}"; return ;;
		esac
	done
	echo "${CHAOS_SHIM_SEGMENT:-}"
}

# The rule names of the profile file after -p, for sweep --rule.
_chaos_shim_ctl_profile_rules() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-p | --profile)
			[[ -f ${COMP_WORDS[i + 1]} ]] &&
				sed -n 's/.*name *= *"\([^"]*\)".*/\1/p' "${COMP_WORDS[i + 1]}"
			return ;;
		esac
	done
}

# Whether -- came before the word being completed: the command follows.
_chaos_shim_ctl_after_dashes() {
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[[ $w == -- ]] && return 0
	done
	return 1
}

_chaos_shim_ctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local ctl=${COMP_WORDS[0]} cmd="" i seg
	local commands="run load add remove enable disable set pause resume status stats check list destroy profiles sweep bisect"
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --segment | -u | --user) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-s | --segment)
		COMPREPLY=($(compgen -W "$("$ctl" list 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur"))
		return ;;
	-u | --user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-p | --profile)
		COMPREPLY=($(compgen -W "$("$ctl" profiles 2>/dev/null | awk '!/^#/ { print $1 }')" -- "$cur")
			$(compgen -f -X '!*.cfg' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--log) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-o | --out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--rule) COMPREPLY=($(compgen -W "$(_chaos_shim_ctl_profile_rules)" -- "$cur")); return ;;
	esac
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands -s --segment -u --user -h --help -V --version" -- "$cur"))
		return
	fi
	case $cmd in
	run | sweep | bisect)
		if _chaos_shim_ctl_after_dashes; then
			COMPREPLY=($(compgen -c -- "$cur"))
			return
		fi
		local opts="-p --profile -s --segment --seed --log --stats --trap --no-trap --"
		[[ $cmd == sweep ]] && opts="-p --profile --rule --max-runs -j --jobs --timeout -o --out --json --"
		[[ $cmd == bisect ]] && opts="-p --profile --seed -j --jobs --repeat --timeout --json --"
		COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
	load | check)
		COMPREPLY=($(compgen -W "$("$ctl" profiles 2>/dev/null | awk '!/^#/ { print $1 }')" -- "$cur")
			$(compgen -f -X '!*.cfg' -- "$cur") $(compgen -d -- "$cur")) ;;
	remove)
		seg=$(_chaos_shim_ctl_segment)
		COMPREPLY=($(compgen -W "$([[ -n $seg ]] && "$ctl" -s "$seg" stats 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur")) ;;
	enable | disable | set)
		seg=$(_chaos_shim_ctl_segment)
		COMPREPLY=($(compgen -W "$([[ -n $seg ]] && "$ctl" -s "$seg" stats 2>/dev/null | awk 'NR > 1 { print $1 }') --all" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
	stats) COMPREPLY=($(compgen -W "--json --reset" -- "$cur")) ;;
	destroy) COMPREPLY=($(compgen -W "--stale" -- "$cur")) ;;
	esac
}
complete -F _chaos_shim_ctl chaos-shim-ctl
