#!/usr/bin/env bash
# kubectl renders deploy/k8s (kubectl kustomize). Uses the kubectl on PATH; else Debian's kubernetes-client.
# The schema check itself is the kubernetes-validate package (dev dependencies, from the Python registry).
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
kubectl version --client
