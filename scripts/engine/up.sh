#!/usr/bin/env bash
# The real engine that the engine tier of the tests runs on, brought up on this machine:
# Debian's Docker Engine (dockerd as root) with a one-node Swarm, the overlay network Dokploy
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

if [ "$($docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  say "initialising Swarm"
  $docker swarm init --advertise-addr 127.0.0.1 > /dev/null
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

# The build context's content decides the tag's freshness: rebuilt only when stack-image/ changed.
digest=$(cd "$root_dir" && tar -c --sort=name --mtime=@0 --owner=0 --group=0 stack-image | sha256sum | cut -c1-12)
if [ "$($docker image inspect -f '{{index .Config.Labels "nl.flexinit.ai-stack.context"}}' "$image" 2>/dev/null || true)" != "$digest" ]; then
  say "building the stack image"
  $docker build -q --label "nl.flexinit.ai-stack.context=$digest" -t "$image" "$root_dir/stack-image" > "$state/logs/stack-build.log" 2>&1 \
    || { tail -n 30 "$state/logs/stack-build.log" >&2; exit 1; }
  $docker push -q "$image" > "$state/logs/stack-push.log" 2>&1 || { tail -n 20 "$state/logs/stack-push.log" >&2; exit 1; }
fi
# The previous image, once: its build context is the commit's, so it never changes.
if [ "$($docker image inspect -f '{{index .Config.Labels "nl.flexinit.ai-stack.context"}}' "$previous_image" 2>/dev/null || true)" != "$previous_commit" ] \
  || ! curl -sf -o /dev/null "http://$registry/v2/oh-my-opencode-free/manifests/engine-previous" -H 'accept: application/vnd.docker.distribution.manifest.v2+json'; then
  say "building the previous stack image (commit ${previous_commit:0:12})"
  context=$(mktemp -d)
  git -C "$root_dir" archive "$previous_commit" stack-image | tar -x -C "$context"
  $docker build -q --label "nl.flexinit.ai-stack.context=$previous_commit" -t "$previous_image" "$context/stack-image" > "$state/logs/previous-build.log" 2>&1 \
    || { rm -rf "$context"; tail -n 30 "$state/logs/previous-build.log" >&2; exit 1; }
  rm -rf "$context"
  $docker push -q "$previous_image" > "$state/logs/previous-push.log" 2>&1 || { tail -n 20 "$state/logs/previous-push.log" >&2; exit 1; }
fi
# The portal image, from the repository's own Dockerfile: cached layers make a rebuild take seconds.
say "building the portal image"
$docker build -q -t "$portal_image" "$root_dir" > "$state/logs/portal-build.log" 2>&1 || { tail -n 30 "$state/logs/portal-build.log" >&2; exit 1; }
$docker push -q "$portal_image" > "$state/logs/portal-push.log" 2>&1 || { tail -n 20 "$state/logs/portal-push.log" >&2; exit 1; }
say "ready: Docker $($docker version -f '{{.Server.Version}}'), Swarm active, registry $registry"
echo "ENGINE_PREVIOUS_STACK_IMAGE=$previous_image"
echo "ENGINE_PORTAL_IMAGE=$portal_image"
echo "ENGINE_STACK_IMAGE=$image"
