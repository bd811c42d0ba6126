# Sourced (not run) by the shell scripts of bench/, studies/ and gpu/: their one argument parser
# (the .ts scripts share bench/_args.ts). A script's usage is its header comment.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
#   args_parse "smoke workers= budget=" "$@"   # --smoke -> ARG_smoke=1, --workers N -> ARG_workers=N
#   set -- "${ARGS[@]}"                        # the positionals
#   args_need 2 "$@"                           # at least 2 positionals, else usage (exit 2)
#
# -h / --help prints the header comment and exits 0; an unknown flag or a missing value is a
# one-line error that points at --help (exit 2). `--name=VALUE` works too; dashes in names become
# underscores in ARG_ variables. A lone `--` ends the flags: what follows is positional.

# The calling script's header comment (from line 2 to the first line that is not a comment).
args_usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${ARGS_SCRIPT:-$0}"
}

args_fail() {
  echo "$(basename "${ARGS_SCRIPT:-$0}"): $* (try --help)" >&2
  exit 2
}

# args_help "$@": --help / -h as the first argument prints the usage and exits (for scripts that
# pass their other arguments through, such as gpu_pretrain.sh's cli/train.ts flags).
args_help() {
  case "${1:-}" in -h | --help)
    args_usage
    exit 0
    ;;
  esac
}

# args_parse SPEC "$@": SPEC lists the flags, `name` for a switch, `name=` for one with a value.
args_parse() {
  local spec=" $1 " name value var
  shift
  ARGS=()
  while (($#)); do
    case "$1" in
      -h | --help)
        args_usage
        exit 0
        ;;
      --)
        shift
        ARGS+=("$@")
        break
        ;;
      --*)
        name=${1#--}
        value=""
        local inline=0
        if [[ $name == *=* ]]; then
          value=${name#*=}
          name=${name%%=*}
          inline=1
        fi
        var="ARG_${name//-/_}"
        if [[ $spec == *" $name= "* ]]; then
          if ((!inline)); then
            (($# >= 2)) || args_fail "--$name needs a value"
            value=$2
            shift
          fi
          printf -v "$var" '%s' "$value"
        elif [[ $spec == *" $name "* ]] && ((!inline)); then
          printf -v "$var" '%s' 1
        else
          args_fail "unknown flag --$name"
        fi
        ;;
      *) ARGS+=("$1") ;;
    esac
    shift
  done
}

# args_need N "$@": at least N positionals, else the usage on stderr and exit 2.
args_need() {
  local n=$1
  shift
  if (($# < n)); then
    args_usage >&2
    args_fail "needs $n argument(s), got $#"
  fi
}
