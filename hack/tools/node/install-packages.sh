#!/usr/bin/env bash
# Installs the Debian packages the tests need and the Go build does not make: openssl (the test
# control plane's certificates), busybox-static (the waitFor script's tests and the local images),
# buildah and debootstrap (the operator image and its base), and for the real node runc, the CNI
# plugins, iptables, umoci, skopeo and gcc (the pause binary). apt-get runs only when something
# is missing; npm test runs this first.
#
#   hack/tools/node/install-packages.sh           install what is missing (needs root)
#   hack/tools/node/install-packages.sh --check   exit 1 and name what is missing, install nothing
#   hack/tools/node/install-packages.sh --if-root install when root; otherwise name what is missing
#                                                 and go on (the tests needing it say so)
set -euo pipefail

# command or file that proves the package is there, then the package
wanted=(
  "openssl openssl"
  "buildah buildah"
  "debootstrap debootstrap"
  "runc runc"
  "/usr/lib/cni/bridge containernetworking-plugins"
  "/bin/busybox busybox-static"
  "umoci umoci"
  "skopeo skopeo"
  "iptables iptables"
  "gcc gcc"
  "/usr/lib/x86_64-linux-gnu/libc.a libc6-dev"
)
missing=()
for entry in "${wanted[@]}"; do
  probe=${entry% *} package=${entry#* }
  if [[ $probe == /* ]]; then [[ -e $probe ]] || missing+=("$package")
  else command -v "$probe" >/dev/null || missing+=("$package"); fi
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
if [[ "${1:-}" == "--check" ]]; then
  echo "missing Debian packages for the real node: ${missing[*]} (run hack/tools/node/install-packages.sh as root)" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "packages: ${missing[*]} are missing and installing them needs root: run 'sudo $0'" >&2
  [[ "${1:-}" == "--if-root" ]] && exit 0
  exit 1
fi
echo "packages: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
