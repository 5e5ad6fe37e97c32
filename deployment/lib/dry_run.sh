# shellcheck shell=bash
# Sourced by deployment/bootstrap.sh and deployment/kind/e2e.sh: both take one optional flag,
# --dry-run, which prints every command instead of running it (no cluster, no tools needed).
DRY_RUN=0
case "${1:-}" in
  --dry-run) DRY_RUN=1 ;;
  "") ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

run() {  # run CMD...: print it; execute it unless --dry-run
  printf '+ %s\n' "$*"
  [ "$DRY_RUN" -eq 1 ] || "$@"
}
