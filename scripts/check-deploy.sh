#!/bin/sh
# Checks deploy/, the Dockerfile and the monitoring files offline; make test runs it.
# Installs nothing: `make deps` (Debian packages) and `npm ci` (package.json) first.
#
# - Kubernetes manifests (deploy/kubernetes/): scripts/check-deploy.py validates each
#   against the Kubernetes OpenAPI definitions vendored in deploy/schemas/ (strictly:
#   unknown fields are errors) with Debian's python3-jsonschema, then checks that the
#   manifests fit together and match config/container.conf and the release version.
#   When kubectl is installed, the kustomization is rendered with `kubectl kustomize`
#   and the result validated too. (kubeconform and kubeval are in neither Debian nor
#   npm; Debian's kubectl cannot validate without an API server.)
# - deploy/compose.yaml: against the Compose Specification's JSON schema
#   (deploy/schemas/compose-spec.json), then its health checks. There is no Docker
#   engine or `docker compose` here to ask.
# - deploy/prometheus/: `promtool check rules` and `promtool test rules` on the alert
#   rules; `promtool check config` on prometheus.yml with its kubernetes_sd_configs
#   swapped for static_configs, because Debian builds Prometheus without Kubernetes
#   service discovery and its promtool refuses that block.
# - Dockerfile: hadolint is in neither Debian nor npm (npm's "hadolint" package is a
#   wrapper that downloads the binary from GitHub when first run, which an offline
#   test cannot do). Instead: `dockerfile-utils lint` (npm; the parser of the
#   Dockerfile language server) for syntax and instruction errors, a few of
#   hadolint's rules restated in check-deploy.py, and ShellCheck on every RUN, as
#   hadolint does.
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3 # Debian's, for python3-yaml and python3-jsonschema
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for mod in yaml jsonschema; do
    "$PY" -c "import $mod" 2>/dev/null ||
        { echo "check-deploy: $PY lacks $mod: make deps (Debian python3-yaml python3-jsonschema)" >&2; exit 1; }
done
command -v promtool >/dev/null ||
    { echo "check-deploy: promtool missing: make deps (Debian prometheus)" >&2; exit 1; }
[ -x node_modules/.bin/dockerfile-utils ] ||
    { echo "check-deploy: node_modules/.bin/dockerfile-utils missing: npm ci" >&2; exit 1; }

if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize deploy/kubernetes >"$tmp/rendered.yaml"
    "$PY" scripts/check-deploy.py --rendered "$tmp/rendered.yaml"
else
    echo "check-deploy: kubectl not installed: the kustomization is checked by hand only"
    "$PY" scripts/check-deploy.py
fi

promtool check rules deploy/prometheus/alerts.yaml
(cd deploy/prometheus && promtool test rules alerts.test.yaml)
sed -e 's/^    kubernetes_sd_configs:$/    static_configs:/' \
    -e 's/^      - role: pod$/      - targets: []/' \
    deploy/prometheus/prometheus.yml >"$tmp/prometheus.yml"
grep -q kubernetes_sd_configs "$tmp/prometheus.yml" &&
    { echo "check-deploy: prometheus.yml: the kubernetes_sd_configs block was not swapped" >&2; exit 1; }
cp deploy/prometheus/alerts.yaml "$tmp/alerts.yaml"
promtool check config "$tmp/prometheus.yml" >/dev/null
echo "prometheus: deploy/prometheus/prometheus.yml is valid ($(promtool --version 2>&1 | head -n 1 | cut -d' ' -f1-3))"

out=$(node_modules/.bin/dockerfile-utils lint --json Dockerfile) || true
if [ "$out" != "[]" ]; then
    node_modules/.bin/dockerfile-utils lint Dockerfile
    echo "check-deploy: dockerfile-utils lint: the Dockerfile has the problems above" >&2
    exit 1
fi
echo "dockerfile: $(node_modules/.bin/dockerfile-utils --version | cut -d' ' -f1-3) lint clean"
echo "check-deploy: ok"
