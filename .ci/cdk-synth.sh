#!/usr/bin/env bash
# Synthesizes the CDK app in examples/cdk-pipeline (aws-cdk-lib, installed there, offline once
# installed) and fails when the checked-in pipeline.template.json, which `npm test` runs, is not
# what the app declares. `--write` replaces the checked-in template instead.
set -euo pipefail
cd "$(dirname "$0")/../examples/cdk-pipeline"
npm install --no-audit --no-fund --no-package-lock --loglevel=error
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node app.mjs "$out"
if [ "${1:-}" = --write ]; then
  cp "$out/SitePipeline.template.json" pipeline.template.json
  echo "Wrote examples/cdk-pipeline/pipeline.template.json"
elif ! diff -u pipeline.template.json "$out/SitePipeline.template.json"; then
  echo "examples/cdk-pipeline/pipeline.template.json is stale: run npm run cdk:synth -- --write" >&2
  exit 1
fi
