#!/usr/bin/env bash
# Commits the tree pin_images.py edited on top of the tested commit and force-pushes it to the
# release branch (RELEASE_BRANCH, default `release`), which Argo CD tracks. The release branch
# is always one commit ahead of a main commit that passed ci.yml, so nothing untested deploys,
# and main itself is never pushed to (its branch protection stays intact).
#   --dry-run  commit locally and print what would be pushed; push nothing
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
RELEASE_BRANCH="${RELEASE_BRANCH:-release}"
dry_run=0
[ "${1:-}" = "--dry-run" ] && dry_run=1

git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -- deployment/helm/values.yaml deployment/k8s/kustomization.yaml \
  deployment/dagster-hooks/kustomization.yaml
if git diff --cached --quiet; then
  echo "publish: nothing was pinned; run deployment/release/pin_images.py first" >&2
  exit 1
fi
tested="$(git rev-parse HEAD)"
git commit -q -m "release ${tested:0:12}: every image pinned by digest"
if [ "$dry_run" -eq 1 ]; then
  echo "publish: would push $(git rev-parse HEAD) (parent ${tested}) to ${RELEASE_BRANCH}"
  exit 0
fi
: "${GITHUB_TOKEN:?publish: GITHUB_TOKEN is needed to push}"
# The token goes in a one-off header, as actions/checkout does, never into .git/config.
auth="$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 -w0)"
git -c "http.https://github.com/.extraheader=AUTHORIZATION: basic ${auth}" \
  push --force origin "HEAD:refs/heads/${RELEASE_BRANCH}"
