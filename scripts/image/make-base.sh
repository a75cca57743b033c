#!/usr/bin/env bash
# Makes the base image the Dockerfile names in FROM, here, without a registry: a Debian bookworm
# minbase root filesystem (debootstrap, from Debian's packages) plus the Node.js binary the project
# pins (the npm registry's node-linux-<arch> package, the same one the tests run on) and npm, given
# the name docker.io/library/node:<major>-bookworm-slim in buildah's storage. Where the real base
# image can be pulled, the same Dockerfile builds unchanged against it.
#
#   scripts/image/make-base.sh     build it if buildah does not have it; prints its name
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf 'make-base: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

arch=$(uname -m); case "$arch" in x86_64) npm_arch=x64 ;; aarch64) npm_arch=arm64 ;; *) fail "no Node.js package for $arch" ;; esac
node_dir="$root/node_modules/node-linux-$npm_arch"
[[ -x "$node_dir/bin/node" ]] || fail "$node_dir/bin/node is missing: run npm ci first (it installs the pinned Node.js)."
node_version=$("$node_dir/bin/node" --version | sed 's/^v//')
major=${node_version%%.*}
name="docker.io/library/node:${major}-bookworm-slim"
if buildah inspect --type image "$name" >/dev/null 2>&1 && \
   [[ "$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "org.opencontainers.image.version"}}' "$name")" == "$node_version" ]]; then
  echo "$name"; exit 0
fi

cache=${AWH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/appwithhelpers-operator}/images
# Node.js needs libatomic and libstdc++ beyond minbase; TLS to registries needs the CA bundle.
extra=ca-certificates,libatomic1,libstdc++6
rootfs="$cache/bookworm-minbase-$(echo "$extra" | sha256sum | cut -c1-8)"
mkdir -p "$cache"
if [[ ! -f "$rootfs/.complete" ]]; then
  say "[1/3] debootstrap: a Debian bookworm minbase root filesystem from Debian's packages (about a minute)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include="$extra" bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
    || fail "debootstrap failed; its log: $cache/debootstrap.log (last lines below)"$'\n'"$(tail -5 "$cache/debootstrap.log")"
  # As the slim images do: no package lists or caches, no docs.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  touch "$rootfs/.complete"
fi

say "[2/3] Node.js $node_version (npm registry: node-linux-$npm_arch) and npm"
npm_version=$(cd "$root" && npm view "npm@^11" version 2>/dev/null | tail -1 | awk '{print $NF}' | tr -d "'")
[[ -n "$npm_version" ]] || fail "could not ask the npm registry for npm 11's version"
work=$(mktemp -d)
trap 'rm -rf "$work"; [[ -n "${ctr:-}" ]] && buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
(cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null) || fail "could not download npm $npm_version"

say "[3/3] committing $name"
ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
cp -a "$rootfs"/. "$mnt"/
rm -f "$mnt/.complete"
install -D -m 0755 "$node_dir/bin/node" "$mnt/usr/local/bin/node"
mkdir -p "$mnt/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$mnt/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
# The official images' user: uid/gid 1000, named node.
chroot "$mnt" /usr/sbin/groupadd --gid 1000 node
chroot "$mnt" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
buildah umount "$ctr" >/dev/null
buildah config --env NODE_VERSION="$node_version" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd node --label org.opencontainers.image.version="$node_version" \
  --label org.opencontainers.image.description="local stand-in for node:${major}-bookworm-slim: Debian bookworm minbase + Node.js $node_version from the npm registry" \
  "$ctr"
buildah commit --rm --quiet "$ctr" "$name" >/dev/null
ctr=""
say "made $name (Node.js $node_version, npm $npm_version, Debian bookworm)"
echo "$name"
