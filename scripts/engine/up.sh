#!/usr/bin/env bash
# The real engine that the engine tier of the tests runs on, brought up on this machine:
# Debian's Docker Engine (dockerd as root) with a Swarm (one node; two more join on demand, nodes.sh), the overlay network Dokploy
# puts every application on, a local registry on 127.0.0.1:5000, and the stack image built
# from stack-image/ and pushed there, with the image the fleet ran before it (OpenCode 1.1) for
# the tier's rollout test. Idempotent: what already runs or exists is kept, so a second run
# takes seconds. Prints `ENGINE_PREVIOUS_STACK_IMAGE=<reference>`, `ENGINE_PORTAL_IMAGE=<reference>`
# (the portal's own image, built from the Dockerfile) and, as its last line,
# `ENGINE_STACK_IMAGE=<reference>`.
#
#   scripts/engine/up.sh            (root; logs in $ENGINE_STATE_DIR, default /var/tmp/ai-stack-engine)
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
state=${ENGINE_STATE_DIR:-/var/tmp/ai-stack-engine}
registry=127.0.0.1:5000
image="$registry/oh-my-opencode-free:engine-test"
# The stack image as it was before the move to OpenCode 1.18 (OpenCode 1.1.34 with
# oh-my-opencode 2.14.0), built from this commit of the repository's own history.
previous_commit=9dd590f158267a53c0ede0a05845fa839cbc7a5f
previous_image="$registry/oh-my-opencode-free:engine-previous"
portal_image="$registry/ai-stack-deployer:engine-test"
# The engine's own client: a newer `docker` earlier on PATH may speak another API version.
docker=/usr/bin/docker
mkdir -p "$state/logs"
say() { echo "engine: $*"; }

[ "$(id -u)" = 0 ] || { echo "engine: needs root (dockerd)" >&2; exit 1; }

missing=()
[ -x /usr/sbin/dockerd ] || missing+=(docker.io)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v debootstrap > /dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > "$state/logs/apt.log" 2>&1
fi

if ! $docker info > /dev/null 2>&1; then
  say "starting dockerd"
  setsid nohup /usr/sbin/dockerd --host unix:///var/run/docker.sock > "$state/logs/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do $docker info > /dev/null 2>&1 && break; sleep 0.5; done
  $docker info > /dev/null 2>&1 || { tail -n 20 "$state/logs/dockerd.log" >&2; exit 1; }
fi

# The manager listens for the worker nodes (nodes.sh) on the gateway of their bridge network.
nodes_gateway=192.168.99.1
$docker network inspect ai-stack-nodes > /dev/null 2>&1 \
  || $docker network create --subnet 192.168.99.0/24 --gateway "$nodes_gateway" ai-stack-nodes > /dev/null
if [ "$($docker info --format '{{.Swarm.LocalNodeState}}')" = active ] && [ "$($docker info --format '{{.Swarm.NodeAddr}}')" != "$nodes_gateway" ]; then
  say "leaving a Swarm that workers could not reach (advertised on $($docker info --format '{{.Swarm.NodeAddr}}'))"
  $docker swarm leave --force > /dev/null
fi
if [ "$($docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  say "initialising Swarm"
  $docker swarm init --advertise-addr "$nodes_gateway" --listen-addr "$nodes_gateway:2377" > /dev/null
fi
# Dokploy attaches every application to this network.
$docker network inspect dokploy-network > /dev/null 2>&1 || $docker network create -d overlay --attachable dokploy-network > /dev/null

if ! curl -sf "http://$registry/v2/" > /dev/null; then
  say "starting the registry on $registry"
  # Debian's own config asks for htpasswd: this one has no auth, on loopback only.
  cat > "$state/registry.yml" << YML
version: 0.1
log: {fields: {service: registry}}
storage: {filesystem: {rootdirectory: $state/registry}, delete: {enabled: true}}
http: {addr: $registry}
YML
  setsid nohup /usr/bin/docker-registry serve "$state/registry.yml" > "$state/logs/registry.log" 2>&1 < /dev/null &
  for _ in $(seq 1 40); do curl -sf "http://$registry/v2/" > /dev/null && break; sleep 0.25; done
  curl -sf "http://$registry/v2/" > /dev/null || { tail -n 20 "$state/logs/registry.log" >&2; exit 1; }
fi

if ! $docker image inspect oven/bun:debian > /dev/null 2>&1; then
  if timeout 30 $docker pull -q oven/bun:debian > /dev/null 2>&1; then
    say "pulled oven/bun:debian"
  else
    say "Docker Hub out of reach: building a stand-in oven/bun:debian"
    "$root_dir/scripts/engine/base-image.sh" oven/bun:debian
  fi
fi

# The portal's Dockerfile builds on these two; where Docker Hub is out of reach the stand-in serves as both.
for base in oven/bun:1.4-debian oven/bun:1.4-slim; do
  if ! $docker image inspect "$base" > /dev/null 2>&1; then
    timeout 30 $docker pull -q "$base" > /dev/null 2>&1 || $docker tag oven/bun:debian "$base"
  fi
done

# An image is fresh when it carries the label of what it was built from (its build context's
# digest, or a commit) and the registry has it; else it is built and pushed.
fresh() {
  local image=$1 label=$2 path=${1#"$registry"/}
  [ "$($docker image inspect -f '{{index .Config.Labels "nl.flexinit.ai-stack.context"}}' "$image" 2> /dev/null || true)" = "$label" ] \
    && curl -sf -o /dev/null "http://$registry/v2/${path%:*}/manifests/${path##*:}" -H 'accept: application/vnd.docker.distribution.manifest.v2+json'
}
build_push() {
  local image=$1 label=$2 context=$3 name=$4
  say "building $name"
  $docker build -q --label "nl.flexinit.ai-stack.context=$label" -t "$image" "$context" > "$state/logs/$name-build.log" 2>&1 \
    || { tail -n 30 "$state/logs/$name-build.log" >&2; exit 1; }
  $docker push -q "$image" > "$state/logs/$name-push.log" 2>&1 || { tail -n 20 "$state/logs/$name-push.log" >&2; exit 1; }
}
digest() { (cd "$root_dir" && tar -c --sort=name --mtime=@0 --owner=0 --group=0 "$@" | sha256sum | cut -c1-12); }

stack_digest=$(digest stack-image)
fresh "$image" "$stack_digest" || build_push "$image" "$stack_digest" "$root_dir/stack-image" stack
# The previous image: its build context is the commit's, so it is built once.
if ! fresh "$previous_image" "$previous_commit"; then
  context=$(mktemp -d)
  trap 'rm -rf "$context"' EXIT
  git -C "$root_dir" archive "$previous_commit" stack-image | tar -x -C "$context"
  build_push "$previous_image" "$previous_commit" "$context/stack-image" previous
fi
# The portal image, from the repository's own Dockerfile and what it copies (.dockerignore's exclusions left out).
portal_digest=$(digest --exclude=web/dist --exclude='*.sqlite*' Dockerfile .dockerignore package.json package-lock.json tsconfig.json src web)
fresh "$portal_image" "$portal_digest" || build_push "$portal_image" "$portal_digest" "$root_dir" portal
# Two worker nodes, ready to join the Swarm when a test asks (nodes.sh join), with the stack image.
"$root_dir/scripts/engine/nodes.sh" prepare "$image"
say "ready: Docker $($docker version -f '{{.Server.Version}}'), Swarm active, registry $registry"
echo "ENGINE_PREVIOUS_STACK_IMAGE=$previous_image"
echo "ENGINE_PORTAL_IMAGE=$portal_image"
echo "ENGINE_STACK_IMAGE=$image"
