#!/usr/bin/env bash
# The local-run workload (bench/local-run.ts) done by hand: clone, build, the two checks in
# parallel, and the deploy, with no records, no artifact store and no events.
#
# Usage: local-run-baseline.sh REMOTE WORK_DIR
set -euo pipefail

remote=$1
work=$2
mkdir -p "$work"

# Source: a clone of the branch's tip.
git clone --quiet --depth 1 --branch main "$remote" "$work/source"
cd "$work/source"

# Build.
COMMIT_ID=$(git rev-parse HEAD) sh build.sh

# Test: the two checks at once.
(test -f dist/index.html && grep -q "version $(git rev-parse HEAD)" dist/index.html && test "$(ls dist/modules | wc -l)" -eq 380) &
site_check=$!
sh checks/lint.sh &
lint=$!
wait "$site_check"
wait "$lint"

# Deploy: the site's files into a directory that stands for the bucket.
mkdir "$work/site"
cp -r dist/. "$work/site/"
