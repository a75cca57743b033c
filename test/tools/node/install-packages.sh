#!/usr/bin/env bash
# Installs the Debian packages the real node needs and the build does not make: runc, the CNI
# plugins, iptables, and what the local images are made of and packed with (busybox-static,
# umoci, skopeo, gcc for the pause binary). apt-get runs only when something is missing.
#
#   test/tools/node/install-packages.sh          install what is missing (needs root)
#   test/tools/node/install-packages.sh --check  exit 1 and name what is missing, install nothing
set -euo pipefail

# command or file that proves the package is there, then the package
wanted=(
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
  echo "missing Debian packages for the real node: ${missing[*]} (run test/tools/node/install-packages.sh as root)" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "node-packages: ${missing[*]} are missing and installing them needs root: run 'sudo $0'" >&2
  exit 1
fi
echo "node-packages: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
