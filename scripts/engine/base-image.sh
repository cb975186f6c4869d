#!/usr/bin/env bash
# A stand-in for the `oven/bun:debian` base image, for machines that reach Debian's mirror and
# the npm registry but not Docker Hub. Debian bookworm (debootstrap, minbase) with the `bun`
# binary from its npm package (@oven/bun-linux-x64, the version in node_modules), laid out as
# the real image is: user `bun` (uid 1000) with home /home/bun, `node` falling back to bun.
# The machine's own CA certificates go in too: where TLS to the registries is intercepted,
# `bun add` inside a build would fail without them.
#
#   scripts/engine/base-image.sh [tag ...]     (default: oven/bun:debian)
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
tags=("$@")
[ ${#tags[@]} -gt 0 ] || tags=(oven/bun:debian)
mirror=${DEBIAN_MIRROR:-$(awk '/^deb / && /debian/ { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)}
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
# npm's `bun` package puts the platform's binary behind node_modules/.bin/bun.
bun_bin=$(readlink -f "$root_dir/node_modules/.bin/bun" 2>/dev/null || true)
[ -n "$bun_bin" ] && [ -x "$bun_bin" ] || { echo "base-image: node_modules/.bin/bun is missing: run npm install first" >&2; exit 1; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
echo "base-image: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates,curl,git,unzip bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
install -m 0755 "$bun_bin" "$rootfs/usr/local/bin/bun"
ln -sf bun "$rootfs/usr/local/bin/bunx"
mkdir -p "$rootfs/usr/local/bun-node-fallback-bin"
ln -sf /usr/local/bin/bun "$rootfs/usr/local/bun-node-fallback-bin/node"
cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$rootfs" /bin/sh -c '
  set -e
  update-ca-certificates > /dev/null
  groupadd -g 1000 bun && useradd -u 1000 -g 1000 -m -d /home/bun -s /bin/sh bun
  mkdir -p /home/bun/app && chown -R bun:bun /home/bun
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/locale/*'
# Docker writes the container's own resolv.conf.
: > "$rootfs/etc/resolv.conf"
tar -C "$rootfs" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bun-node-fallback-bin' \
  -c 'ENV BUN_RUNTIME_TRANSPILER_CACHE_PATH=0' \
  -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  -c 'WORKDIR /home/bun/app' \
  -c 'CMD ["/usr/local/bin/bun"]' - "${tags[0]}" > /dev/null
for tag in "${tags[@]:1}"; do docker tag "${tags[0]}" "$tag"; done
echo "base-image: built ${tags[*]} (bun $("$bun_bin" --version))"
