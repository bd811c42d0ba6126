# Sourced by bench's shell scripts: `deno` is the Deno on PATH or, on a machine that followed the
# README's quick start (Node and npm, no Deno installed), Deno 2.9.6 through npx.
if ! command -v deno >/dev/null 2>&1; then deno() { npx --yes deno@2.9.6 "$@"; }; fi
