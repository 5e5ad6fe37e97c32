#!/usr/bin/env bash
# From a fresh Kubespray cluster to a synced lab, in one command:
#   deployment/bootstrap.sh            install Argo CD, apply the root app, seal the secrets,
#                                      wait until every Application is Synced and Healthy
#   deployment/bootstrap.sh --dry-run  print every command instead (no cluster, no secrets read)
# Needs kubectl (pointing at the cluster), helm and kubeseal. Site values come from
# deployment/apps/values.yaml only.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=deployment/lib/dry_run.sh
source deployment/lib/dry_run.sh "$@"
VALUES=deployment/apps/values.yaml
SECRETS_DIR=deployment/secrets
WAIT_SECONDS="${WAIT_SECONDS:-1800}"


value() {  # value KEY: a top-level or charts.KEY scalar of the placeholder file
  local key="$1" line
  line="$(grep -E "^\s*${key}:" "$VALUES" | head -n1)"
  [ -n "$line" ] || { echo "bootstrap: ${key} missing from ${VALUES}" >&2; exit 1; }
  line="${line#*:}"; line="${line%%#*}"; line="${line//[\"\' ]/}"
  printf '%s' "$line"
}

REPO_URL="$(value repoURL)"
TARGET_REVISION="$(value targetRevision)"
ARGOCD_CHART="$(value argoCD)"
case "$REPO_URL" in
  *your-github-user*)
    [ "$DRY_RUN" -eq 1 ] || { echo "bootstrap: set repoURL in ${VALUES} first" >&2; exit 1; } ;;
esac

echo "== 1. preflight: the tools and the two labelled nodes"
for tool in kubectl helm kubeseal; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    [ "$DRY_RUN" -eq 1 ] && { echo "(dry run: ${tool} not found, continuing)"; continue; }
    echo "bootstrap: ${tool} not found" >&2; exit 1
  fi
done
run kubectl get nodes -L lab/role
run kubectl wait --for=condition=Ready node -l lab/role=compute --timeout=300s
run kubectl wait --for=condition=Ready node -l lab/role=inference --timeout=300s

echo "== 2. Argo CD ${ARGOCD_CHART} (it manages itself from here on: app argocd)"
run helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm \
  --version "$ARGOCD_CHART" --namespace argocd --create-namespace \
  --values deployment/platform/argocd-values.yaml --wait --timeout 10m

echo "== 3. the root Application (${REPO_URL} @ ${TARGET_REVISION})"
root_app="$(sed -e "s|__REPO_URL__|${REPO_URL}|" -e "s|__TARGET_REVISION__|${TARGET_REVISION}|" \
  deployment/platform/root-app.yaml)"
printf '%s\n' "$root_app"
if [ "$DRY_RUN" -eq 1 ]; then
  echo "+ kubectl apply -f - (the root Application above)"
else
  printf '%s\n' "$root_app" | kubectl apply -f -
fi

echo "== 4. secrets, sealed for this cluster's controller"
run kubectl -n kube-system rollout status deployment/sealed-secrets-controller --timeout=900s
seal() {  # seal NAMESPACE NAME KEY=PROMPT...: read each value silently, write NAME.sealed.yaml
  local namespace="$1" name="$2"; shift 2
  local out="${SECRETS_DIR}/${name}.sealed.yaml" args=() pair key prompt secret
  if [ -f "$out" ]; then echo "${out}: present, kept"; return; fi
  for pair in "$@"; do
    key="${pair%%=*}"; prompt="${pair#*=}"
    if [ "$DRY_RUN" -eq 1 ]; then args+=("--from-file=${key}=<value of ${prompt}>"); continue; fi
    if [ "$prompt" = "generate" ]; then
      secret="$(head -c 24 /dev/urandom | base64)"
    else
      read -rsp "${prompt}: " secret; echo
    fi
    # The value goes through a pipe, never a command line (ps) or a file.
    exec {fd}< <(printf '%s' "$secret")
    args+=("--from-file=${key}=/dev/fd/${fd}")
  done
  echo "+ kubectl create secret generic ${name} -n ${namespace} ${args[*]} --dry-run=client -o yaml | kubeseal --format yaml > ${out}"
  [ "$DRY_RUN" -eq 1 ] && return
  kubectl create secret generic "$name" -n "$namespace" "${args[@]}" --dry-run=client -o yaml \
    | kubeseal --controller-name sealed-secrets-controller --controller-namespace kube-system \
        --format yaml > "$out"
}
seal lab-pipelines lab-gemini "GEMINI_API_KEY=Gemini API key"
seal lab-pipelines dagster-postgresql-secret "postgresql-password=generate"
seal tailscale operator-oauth "client_id=Tailscale OAuth client id" \
  "client_secret=Tailscale OAuth client secret"
echo "Commit and push ${SECRETS_DIR}/*.sealed.yaml (encrypted: safe in git); the release"
echo "branch carries them to the lab-secrets app."
if [ "$DRY_RUN" -eq 0 ] && [ -t 0 ]; then
  read -rp "Pushed and released? Press Enter to wait for the sync. " _
fi

echo "== 5. wait until every Application is Synced and Healthy (at most ${WAIT_SECONDS}s)"
if [ "$DRY_RUN" -eq 1 ]; then
  echo "+ kubectl -n argocd get applications (every ${WAIT_SECONDS}s at most, until all Synced/Healthy)"
  exit 0
fi
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
  states="$(kubectl -n argocd get applications \
    -o jsonpath='{range .items[*]}{.metadata.name}={.status.sync.status}/{.status.health.status}{"\n"}{end}')"
  pending="$(printf '%s\n' "$states" | grep -v '=Synced/Healthy$' || true)"
  if [ -n "$states" ] && [ -z "$pending" ]; then
    printf '%s\n' "$states"; echo "bootstrap: the lab is synced"; exit 0
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    printf 'bootstrap: still waiting on:\n%s\n' "$pending" >&2; exit 1
  fi
  sleep 15
done
