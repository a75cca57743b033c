#!/usr/bin/env bash
# npm run image: builds the operator's image from the Dockerfile with buildah (Debian's package:
# daemonless, no Docker engine needed), on a base image made here (make-base.sh), then writes
# beside it a docker-archive to load into a node, a CycloneDX SBOM of its npm dependencies and a
# report of its size and contents. Only `npm ci` inside the build reaches out, to the npm registry.
#
#   npm run image [-- --tag 0.1.0] [-- --load <containerd socket>]
#   OUT (default .image/) is where the archive, SBOM and report go.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
say() { printf 'image: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }
# A step that fails without a word of its own still says which it was.
trap 'say "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

tag=$(node -p 'require("./package.json").version')
load=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    *) fail "unknown argument $1 (known: --tag TAG, --load CONTAINERD_SOCKET)" ;;
  esac
done
command -v buildah >/dev/null || fail "buildah is not installed: run hack/tools/node/install-packages.sh (or apt-get install buildah debootstrap)."
out=${OUT:-$root/.image}
mkdir -p "$out"
name="localhost/appwithhelpers-operator:$tag"
started=$SECONDS

base=$(bash scripts/image/make-base.sh)
say "building $name from the Dockerfile on $base (npm ci runs inside; a few minutes the first time)"
log="$out/build.log"
# Behind a TLS-inspecting proxy the host's npm trusts an extra CA (its `cafile`): the build's npm
# must too. It is mounted for the RUN steps only, never copied into a layer.
trust=()
cafile=$(npm config get cafile 2>/dev/null || true)
if [[ -n "$cafile" && "$cafile" != null && -f "$cafile" ]]; then
  printf 'cafile=/run/host-ca.crt\n' >"$out/npmrc"
  trust=(--volume "$cafile:/run/host-ca.crt:ro" --volume "$out/npmrc:/usr/local/etc/npmrc:ro")
fi
if ! buildah bud --isolation chroot --pull-never --layers "${trust[@]}" -t "$name" -f Dockerfile . >"$log" 2>&1; then
  fail "the build failed; its log: $log (last lines below)"$'\n'"$(tail -15 "$log")"
fi
archive="$out/appwithhelpers-operator-$tag.tar"
rm -f "$archive"
buildah push --quiet "$name" "docker-archive:$archive:$name" >/dev/null
npm sbom --sbom-format cyclonedx --omit dev --omit optional >"$out/sbom.cdx.json" 2>/dev/null \
  || fail "npm sbom failed: run npm sbom --sbom-format cyclonedx --omit dev to see why"

# What is in it: size, Node version, the npm packages, and what must not be there.
ctr=$(buildah from --pull-never "$name")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(buildah mount "$ctr")
# One line per tag of the image; sed reads them all (head would end buildah with SIGPIPE, which
# pipefail turns into a silent failure whenever the image has a second tag).
size=$(buildah images --format '{{.Size}}' "$name" | sed -n 1p)
node_version=$(chroot "$mnt" /usr/local/bin/node --version)
packages=$(find "$mnt/app/node_modules" -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/*/*' | wc -l)
{
  echo "# $name"
  echo
  echo "- size: $size (buildah), archive $(du -h "$archive" | cut -f1)"
  echo "- Node.js $node_version on Debian $(cat "$mnt/etc/debian_version"); user $(buildah inspect --format '{{.OCIv1.Config.User}}' "$name")"
  echo "- /app: dist/ $(du -sh "$mnt/app/dist" | cut -f1), node_modules/ $(du -sh "$mnt/app/node_modules" | cut -f1) ($packages package.json files, production dependencies only)"
  echo "- largest dependencies: $(du -s "$mnt"/app/node_modules/* "$mnt"/app/node_modules/@*/* 2>/dev/null | sort -rn | head -5 | awk '{printf "%s %d KiB, ", $2, $1}' | sed "s#$mnt/app/node_modules/##g; s/, $//")"
  echo "- not in it: compilers ($(ls "$mnt"/usr/bin/{gcc,cc,g++,make} 2>/dev/null | wc -l) found), dev dependencies (typescript: $([[ -d $mnt/app/node_modules/typescript ]] && echo present || echo absent)), npm cache ($(du -sh "$mnt/root/.npm" 2>/dev/null | cut -f1 || echo none))"
  echo "- SBOM: sbom.cdx.json (CycloneDX, $(node -p "require('$out/sbom.cdx.json').components.length") components)"
  echo "- built in $((SECONDS - started)) s"
} >"$out/report.md"
buildah umount "$ctr" >/dev/null
cat "$out/report.md" >&2

if [[ -n "$load" ]]; then
  ctr_bin=$(command -v ctr || true)
  [[ -n "$ctr_bin" ]] || fail "ctr is not on PATH: start the real node (npm run cluster -- --real-node) and pass its containerd socket"
  "$ctr_bin" --address "$load" -n k8s.io images import --no-unpack=false "$archive" >/dev/null \
    || fail "could not load $archive into containerd at $load"
  say "loaded $name into containerd at $load"
fi
echo "$name"
