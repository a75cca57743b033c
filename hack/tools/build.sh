#!/usr/bin/env bash
# Builds the pinned control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok, helm) and two small checkers the tests use (kstatus: what Helm 4's --wait
# and Flux compute; argocd-lua: Argo CD's Lua health checks) from source into a cache folder
# outside the repository, keyed by the pinned versions and the wrapper modules. When the binaries
# are there it does nothing.
#
#   test/tools/build.sh              build if needed; the last line on stdout is the bin folder
#   test/tools/build.sh --print-dir  only print the bin folder (it may not exist yet)
#
# AWH_TOOLS_CACHE overrides the cache root (default ${XDG_CACHE_HOME:-~/.cache}/appwithhelpers-operator).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

say() { printf '%s\n' "$*" >&2; }
fail() { say "build-tools: $*"; exit 1; }

key=$(cd "$here" && cat versions.env build.sh */go.mod */go.sum */*.go | sha256sum | cut -c1-10)
root=${AWH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/appwithhelpers-operator}
bin="$root/k8s-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helm-$HELM_VERSION-$key"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$bin"; exit 0; fi
if [[ -f "$bin/.complete" ]]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || fail "Go is not installed. Install Go $GO_MIN_VERSION or newer (https://go.dev/dl/) and run this again."
have=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -1)" != "$GO_MIN_VERSION" ]]; then
  fail "Go $have is too old: Kubernetes $KUBERNETES_VERSION and KWOK $KWOK_VERSION need Go $GO_MIN_VERSION or newer."
fi
check_pin() { grep -qE "^\s*(require )?$2 $3\$" "$here/$1/go.mod" || fail "$1/go.mod does not require $2 $3 (versions.env); fix one of them."; }
check_pin kube k8s.io/kubernetes "$KUBERNETES_VERSION"
check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin kwok sigs.k8s.io/kwok "$KWOK_VERSION"
check_pin helm helm.sh/helm/v4 "$HELM_VERSION"
# The kstatus checker must compute what this Helm computes: the same kstatus fork, same version.
helm_kstatus=$(grep -E '^\s*github.com/fluxcd/cli-utils ' "$here/helm/go.mod" | awk '{print $2}')
check_pin kstatus github.com/fluxcd/cli-utils "$helm_kstatus"

mkdir -p "$root"
partial="$bin.partial"
rm -rf "$partial" && mkdir -p "$partial"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath -mod=mod"
started=$SECONDS

minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
kube_version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_version_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

step=0
build() { # module, what, output file, ldflags, package
  local module=$1 what=$2 out=$3 ldflags=$4 pkg=$5
  step=$((step + 1))
  local t0=$SECONDS
  say "[$step/6] building $what ... (total elapsed $(( SECONDS - started ))s)"
  ( while sleep 30; do say "        still building $what: $(( SECONDS - t0 ))s"; done ) &
  local ticker=$!
  if ! (cd "$here/$module" && go build -ldflags "-s -w $ldflags" -o "$partial/$out" "$pkg") >&2; then
    kill "$ticker" 2>/dev/null; fail "building $what failed (see the Go errors above)."
  fi
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  say "        $what built in $(( SECONDS - t0 ))s"
}

build kube "Kubernetes $KUBERNETES_VERSION (apiserver, controller-manager, scheduler, kubectl in one binary)" kube-multicall "$kube_version_flags" .
for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do ln -sf kube-multicall "$partial/$name"; done
build etcd "etcd $ETCD_VERSION" etcd "" go.etcd.io/etcd/server/v3
build kwok "KWOK $KWOK_VERSION" kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
build helm "Helm $HELM_VERSION" helm "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" helm.sh/helm/v4/cmd/helm
build kstatus "the kstatus checker" kstatus "" .
build argocd-lua "the Argo CD Lua health runner" argocd-lua "" .

touch "$partial/.complete"
rm -rf "$bin" && mv "$partial" "$bin"
say "control plane binaries ready in $(( SECONDS - started ))s: $bin"
echo "$bin"
