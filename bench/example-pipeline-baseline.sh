#!/usr/bin/env bash
# The example pipeline (examples/webapp.pipeline.yml) done by hand: the baseline that
# bench/example-pipeline.ts times `sluice example` against. Same repository, same commands, same
# order; no records, no artifact store, no events.
#
# Usage: example-pipeline-baseline.sh REPOSITORY WORK_DIR
# Writes "<step> <epoch ms>" lines to WORK_DIR/timings after each step.
set -euo pipefail

repository=$1
work=$2
mkdir -p "$work"
timings="$work/timings"
mark() { echo "$1 $(date +%s%3N)" >> "$timings"; }
mark start

# Source: the tree at the tip of main, without .git (as the Git source action exports it).
commit=$(git -C "$repository" rev-parse main)
mkdir "$work/source"
git -C "$repository" archive main | tar -x -C "$work/source"
mark Source
cd "$work/source"

# Build: buildspec.yml's phases in one shell, then its artifact (dist/**) zipped.
export COMMIT_ID=$commit SITE_TITLE='Sluice example site'
node --version
npm test
export SITE_VERSION="$(node -p "require('./package.json').version")+${COMMIT_ID:0:7}"
npm run build
(cd dist && zip -q -r "$work/site.zip" .)
mark Build

# Test: buildspec-test.yml and the site check, in parallel, as the stage's two runOrder-1 actions.
node --test --test-reporter=spec test/*.test.js && node -e "require('./src/release-notes')" &
unit_tests=$!
(cd dist && test -f index.html && grep -q "$SITE_VERSION" index.html) &
site_check=$!
wait "$unit_tests"
wait "$site_check"
mark Test

# Deploy: the site's files into a directory that stands for the website bucket.
mkdir "$work/site"
cp -r dist/. "$work/site/"
mark Deploy
