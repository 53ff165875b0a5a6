# Sourced by the stand-ins: runs sim/bin/$tool.ts with the arguments given.
# Loading the TypeScript through tsx costs 1.5-4 s a call (mostly transpiling
# @kubernetes/client-node's import graph); a runbook test makes dozens of calls. So the first call
# bundles the tool with esbuild into .tools/sim-bin/ and later calls run the bundle (about 0.25 s),
# rebuilding when any source under sim/ or core/ is newer. Concurrent first calls each build to
# their own temp file and rename it into place, so no caller ever runs a half-written bundle.
launch() {
  local tool="$1"; shift
  local self bin root bundle esbuild tmp
  self="$(readlink -f "${BASH_SOURCE[1]}")"
  bin="$(dirname "$self")"
  root="$(dirname "$(dirname "$bin")")"
  bundle="$root/.tools/sim-bin/$tool.mjs"
  esbuild="$root/node_modules/.bin/esbuild"
  if [ -x "$esbuild" ]; then
    if [ ! -f "$bundle" ] || [ -n "$(find "$root/sim" "$root/core" -name '*.ts' -newer "$bundle" -print -quit)" ]; then
      mkdir -p "$(dirname "$bundle")"
      tmp="$(mktemp "$bundle.XXXXXX")"
      "$esbuild" "$bin/$tool.ts" --bundle --platform=node --format=esm --target=node20 --log-level=error \
        --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" \
        --outfile="$tmp" --allow-overwrite
      mv -f "$tmp" "$bundle"
    fi
    exec node "$bundle" "$@"
  fi
  exec node --import "$root/node_modules/tsx/dist/loader.mjs" "$bin/$tool.ts" "$@"
}
