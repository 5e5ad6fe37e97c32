#!/usr/bin/env bash
# The real-scheduler check (.github/workflows/kind.yml): a two-node kind cluster with the lab's
# labels and taint, the real Dagster chart 1.13.27 with these values and the offline backend;
# one document in the inbox, and the step pods labelled lab/placement=inference must have run on
# the inference node, the others on the compute node.
#   deployment/kind/e2e.sh            run it (needs docker, kind, kubectl, helm)
#   deployment/kind/e2e.sh --dry-run  print every command; needs none of them
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=deployment/lib/dry_run.sh
source deployment/lib/dry_run.sh "$@"
CLUSTER=lab
NS=lab-pipelines
CHART_VERSION=1.13.27
SHARED=/tmp/lab-shared
PYTHON="${PYTHON:-.venv/bin/python}"
WAIT_SECONDS="${WAIT_SECONDS:-900}"
INFERENCE_NODE="${CLUSTER}-worker"
COMPUTE_NODE="${CLUSTER}-control-plane"

pipe() {  # pipe "PRODUCER" "CONSUMER": a pipeline, printed whole in a dry run
  printf '+ %s | %s\n' "$1" "$2"
  [ "$DRY_RUN" -eq 1 ] || bash -o pipefail -c "$1 | $2"
}

echo "== shared folder (the NFS export's stand-in) and the cluster"
run mkdir -p "$SHARED/in/inbox" "$SHARED/in/requests" "$SHARED/data"
run chmod -R 0777 "$SHARED"
run kind create cluster --config deployment/kind/cluster.yaml --wait 180s
# The control plane is the compute node here, as node A is in the lab.
run kubectl taint node "$COMPUTE_NODE" node-role.kubernetes.io/control-plane:NoSchedule-
run kubectl get nodes -L lab/role

echo "== the image, built from this commit"
run docker build -f deployment/Dockerfile -t lab-pipelines:kind .
run kind load docker-image lab-pipelines:kind --name "$CLUSTER"

echo "== base manifests, throwaway secrets (the offline backend calls no paid API)"
pipe "kubectl kustomize --load-restrictor LoadRestrictionsNone deployment/kind" "kubectl apply -f -"
run kubectl -n "$NS" create secret generic lab-gemini --from-literal=GEMINI_API_KEY=unused-offline
pipe "head -c 18 /dev/urandom | base64" \
  "xargs -I{} kubectl -n $NS create secret generic dagster-postgresql-secret --from-literal=postgresql-password={}"
run kubectl -n "$NS" rollout status statefulset/lab-postgres --timeout=300s

echo "== the real chart, ${CHART_VERSION}, with the lab's values and the kind overlay"
pipe "$PYTHON deployment/kind/kind_values.py" "tee /tmp/kind-values.yaml"
pipe "helm template dagster dagster --repo https://dagster-io.github.io/helm --version $CHART_VERSION --namespace $NS --values deployment/helm/values.yaml --values /tmp/kind-values.yaml" \
  "kubectl -n $NS apply -f -"
run kubectl -n "$NS" rollout status deployment --timeout=600s

echo "== one document into the inbox: the inbox sensor materialises its partition"
run cp samples/inbox/en/ollama-inference-node.md "$SHARED/in/inbox/"

echo "== wait for the inference steps, then check where every step pod ran"
check() {
  local deadline=$((SECONDS + WAIT_SECONDS)) phases
  while :; do
    phases="$(kubectl -n "$NS" get pods -l lab/placement=inference \
      -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | sort -u | tr '\n' ' ')"
    echo "inference step pods: ${phases:-none yet}"
    case "$phases" in *Failed*) echo "an inference step failed" >&2; return 1 ;; esac
    [ "$phases" = "Succeeded " ] && break
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out" >&2; return 1; }
    sleep 10
  done
  local on_b on_a
  on_b="$(kubectl -n "$NS" get pods -l lab/placement=inference -o jsonpath='{.items[*].spec.nodeName}')"
  on_a="$(kubectl -n "$NS" get pods -l lab/placement=compute -o jsonpath='{.items[*].spec.nodeName}')"
  echo "inference steps ran on: ${on_b}"; echo "compute steps ran on: ${on_a}"
  if [ -z "$on_b" ] || [ -z "$on_a" ]; then echo "no step pods found" >&2; return 1; fi
  for node in $on_b; do [ "$node" = "$INFERENCE_NODE" ] || { echo "inference step on $node" >&2; return 1; }; done
  for node in $on_a; do [ "$node" = "$COMPUTE_NODE" ] || { echo "compute step on $node" >&2; return 1; }; done
  echo "placement holds on a real scheduler"
}
if [ "$DRY_RUN" -eq 1 ]; then
  echo "+ check: every pod -l lab/placement=inference Succeeded on ${INFERENCE_NODE}, every -l lab/placement=compute on ${COMPUTE_NODE} (at most ${WAIT_SECONDS}s)"
else
  check
fi
