#!/usr/bin/env bash
# Builds the real node's container images from Debian packages, as docker-archive tars in the
# tools cache, keyed by the package versions. No registry is reachable here, so these are LOCAL
# STAND-INS under the names the examples use, not the upstream images:
#   docker.io/library/busybox:1.36   Debian's busybox-static (its real version is in VERSIONS)
#   docker.io/library/nginx:1.25.3   Debian's nginx with its libraries, plus busybox for /bin/sh
#   registry.k8s.io/pause:3.10       pause.c beside this script, linked statically
#
#   hack/tools/node/build-images.sh   build if needed; the last line on stdout is the folder
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf '%s\n' "$*" >&2; }
fail() { say "build-images: $*"; exit 1; }

"$here/install-packages.sh" --check || fail "install the packages above first (hack/tools/node/install-packages.sh)."
nginx_debs=(nginx nginx-common libc6 libcrypt1 libpcre2-8-0 libssl3 zlib1g libgcc-s1)
version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
busybox_version=$(dpkg-query -W -f '${Version}' busybox-static)
nginx_version=$(apt-cache policy nginx | awk '/Candidate:/ {print $2}')
if [[ -z $nginx_version || $nginx_version == "(none)" ]]; then
  apt-get update -qq >&2 || true
  nginx_version=$(apt-cache policy nginx | awk '/Candidate:/ {print $2}')
fi
[[ -n $nginx_version && $nginx_version != "(none)" ]] || fail "apt knows no nginx package: run 'apt-get update' (needs the Debian mirror)."

key=$( (cd "$here" && cat build-images.sh pause.c nginx-default.conf; for p in "${nginx_debs[@]}" busybox-static; do echo "$p $(version "$p")"; done) | sha256sum | cut -c1-10)
root=${AWH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/appwithhelpers-operator}
out="$root/node-images-busybox-${busybox_version//[:+~]/_}-nginx-${nginx_version//[:+~]/_}-$key"
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi

started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out.partial" && rm -rf "${out:?}.partial"/*
cd "$work"
umoci init --layout oci >&2

# add_busybox ROOTFS: the static busybox and its applet links, so the image has /bin/sh.
add_busybox() {
  mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,root,var/log}
  chmod 1777 "$1/tmp"
  cp /bin/busybox "$1/bin/busybox"
  chroot "$1" /bin/busybox --install -s
  printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n' >"$1/etc/group"
}

# image NAME TAG CMD... : packs bundle-NAME/rootfs as NAME into a docker-archive tar tagged TAG.
image() {
  local name=$1 tag=$2
  shift 2
  umoci repack --image "oci:$name" "bundle-$name" >&2
  local cmd=()
  for part in "$@"; do cmd+=(--config.cmd "$part"); done
  umoci config --image "oci:$name" --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${cmd[@]}" >&2
  skopeo copy -q "oci:oci:$name" "docker-archive:$out.partial/$name.tar:$tag" >&2
}

for name in busybox nginx pause; do
  umoci new --image "oci:$name" >&2
  umoci unpack --image "oci:$name" "bundle-$name" >&2
done

add_busybox bundle-busybox/rootfs
image busybox docker.io/library/busybox:1.36 sh

mkdir -p debs && (cd debs && apt-get download "${nginx_debs[@]}" >/dev/null 2>&1) || fail "apt-get download ${nginx_debs[*]} failed: run 'apt-get update' (needs the Debian mirror)."
for deb in debs/*.deb; do dpkg -x "$deb" bundle-nginx/rootfs; done
add_busybox bundle-nginx/rootfs
r=bundle-nginx/rootfs
mkdir -p "$r/var/lib/nginx" "$r/run" "$r/usr/share/nginx/html" "$r/var/log/nginx" "$r/etc/nginx/conf.d"
cp "$here/nginx-default.conf" "$r/etc/nginx/conf.d/default.conf"
printf '<!DOCTYPE html>\n<title>Welcome to nginx!</title>\n<h1>Welcome to nginx!</h1>\n<p>Local stand-in image: Debian nginx %s.</p>\n' "$nginx_version" >"$r/usr/share/nginx/html/index.html"
chroot "$r" /usr/sbin/nginx -t >&2 || fail "the nginx image's configuration does not load (nginx -t above)."
# As the upstream image does: the logs go to the container's output unless a volume hides them.
ln -sf /dev/stdout "$r/var/log/nginx/access.log"
ln -sf /dev/stderr "$r/var/log/nginx/error.log"
image nginx docker.io/library/nginx:1.25.3 nginx -g 'daemon off;'

gcc -static -Os -o bundle-pause/rootfs/pause "$here/pause.c" || fail "gcc could not link pause.c statically (is libc6-dev installed?)."
umoci repack --image oci:pause bundle-pause >&2
umoci config --image oci:pause --config.entrypoint /pause >&2
skopeo copy -q oci:oci:pause "docker-archive:$out.partial/pause.tar:registry.k8s.io/pause:3.10" >&2

printf 'docker.io/library/busybox:1.36  = Debian busybox-static %s\ndocker.io/library/nginx:1.25.3  = Debian nginx %s (+ busybox-static for /bin/sh)\nregistry.k8s.io/pause:3.10      = pause.c built with gcc\n' \
  "$busybox_version" "$nginx_version" >"$out.partial/VERSIONS"
touch "$out.partial/.complete"
rm -rf "$out" && mv "$out.partial" "$out"
say "node images built in $(( SECONDS - started ))s: $out"
echo "$out"
