#!/usr/bin/env bash
# Builds the real node's Go parts from source into the tools cache, keyed by the pinned versions
# and the wrapper modules under node/: the kubelet (Kubernetes version of versions.env), containerd
# with ctr and its runc shim, and CoreDNS with the plugins cluster DNS needs. When the binaries
# are there it does nothing. The kubelet's module is the control plane's go.mod under another
# name, so after build.sh it reuses the warm Go build cache.
#
#   test/tools/build-node.sh              build if needed; the last line on stdout is the bin folder
#   test/tools/build-node.sh --print-dir  only print the bin folder (it may not exist yet)
#
# AWH_TOOLS_CACHE overrides the cache root (default ${XDG_CACHE_HOME:-~/.cache}/appwithhelpers-operator).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

say() { printf '%s\n' "$*" >&2; }
fail() { say "build-node: $*"; exit 1; }

# Only the versions this script builds enter the key: a Helm or etcd bump must not rebuild the node.
key=$( (echo "$KUBERNETES_VERSION $CONTAINERD_VERSION $COREDNS_VERSION"; cd "$here" && cat build-node.sh node/*/go.mod node/*/go.sum node/*/*.go) | sha256sum | cut -c1-10)
root=${AWH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/appwithhelpers-operator}
bin="$root/node-k8s-$KUBERNETES_VERSION-containerd-$CONTAINERD_VERSION-coredns-$COREDNS_VERSION-$key"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$bin"; exit 0; fi
if [[ -f "$bin/.complete" ]]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || fail "Go is not installed. Install Go $GO_MIN_VERSION or newer (https://go.dev/dl/) and run this again."
have=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -1)" != "$GO_MIN_VERSION" ]]; then
  fail "Go $have is too old: Kubernetes $KUBERNETES_VERSION needs Go $GO_MIN_VERSION or newer."
fi
check_pin() { grep -qE "^\s*(require )?$2 $3\$" "$here/$1/go.mod" || fail "$1/go.mod does not require $2 $3 (versions.env); fix one of them."; }
check_pin node/kubelet k8s.io/kubernetes "$KUBERNETES_VERSION"
check_pin node/containerd github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
check_pin node/coredns github.com/coredns/coredns "$COREDNS_VERSION"

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
containerd_flags="-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"

step=0
build() { # module, what, ldflags, tags, then output-file=package pairs
  local module=$1 what=$2 ldflags=$3 tags=$4
  shift 4
  step=$((step + 1))
  local t0=$SECONDS
  say "[$step/3] building $what ... (total elapsed $(( SECONDS - started ))s)"
  ( while sleep 30; do say "        still building $what: $(( SECONDS - t0 ))s"; done ) &
  local ticker=$! pair
  for pair in "$@"; do
    if ! (cd "$here/$module" && go build -tags "$tags" -ldflags "-s -w $ldflags" -o "$partial/${pair%%=*}" "${pair#*=}") >&2; then
      kill "$ticker" 2>/dev/null; fail "building $what failed (see the Go errors above)."
    fi
  done
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  say "        $what built in $(( SECONDS - t0 ))s"
}

build node/kubelet "kubelet $KUBERNETES_VERSION" "$kube_version_flags" "" kubelet=k8s.io/kubernetes/cmd/kubelet
build node/containerd "containerd $CONTAINERD_VERSION (containerd, ctr, containerd-shim-runc-v2)" "$containerd_flags" no_btrfs \
  containerd=github.com/containerd/containerd/v2/cmd/containerd \
  ctr=github.com/containerd/containerd/v2/cmd/ctr \
  containerd-shim-runc-v2=github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
build node/coredns "CoreDNS $COREDNS_VERSION (bind, ready, health, errors, log, cache, kubernetes plugins)" "" "" coredns=.

touch "$partial/.complete"
rm -rf "$bin" && mv "$partial" "$bin"
say "node binaries ready in $(( SECONDS - started ))s: $bin"
echo "$bin"
