#!/usr/bin/env bash
# Two more Swarm nodes on this machine, for the engine tier's several-node tests: containers
# running Debian's Docker Engine (Docker-in-Docker) on a bridge network, beside the host's
# dockerd, which is the manager and listens for them on that network's gateway (up.sh).
#
#   nodes.sh prepare IMAGE...   the worker image built, the workers running and IMAGE... loaded into each
#   nodes.sh join [IMAGE...]    the workers join the Swarm (prepared first); waits until all are Ready
#   nodes.sh leave              the workers leave, their nodes are removed, their containers stopped
#
# A worker's /var/lib/docker is a volume, so its images survive a stop (and a kill: see worker/).
# The workers cannot reach the registry on the host's loopback; Swarm's agent tries to pull,
# logs the failure and runs the copy loaded here.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
docker=/usr/bin/docker
network=ai-stack-nodes
manager_addr=192.168.99.1
workers=(worker-1 worker-2)
worker_image=ai-stack-worker:engine
say() { echo "nodes: $*"; }

address() { echo "192.168.99.$((10 + ${1#worker-}))"; }
inner() { $docker exec "ai-stack-$1" docker "${@:2}"; }

start_worker() {
  local name=$1 container=ai-stack-$1
  if ! $docker container inspect "$container" > /dev/null 2>&1; then
    # --privileged fails for root without CAP_SYS_RESOURCE here ("unable to apply caps"): these flags stand in for it.
    $docker run -d --init --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
      --security-opt apparmor=unconfined --security-opt systempaths=unconfined --device-cgroup-rule='a *:* rwm' \
      --name "$container" --hostname "$name" --network "$network" --ip "$(address "$name")" \
      -v "$container-data:/var/lib/docker" "$worker_image" -H unix:///var/run/docker.sock > /dev/null
  elif [ "$($docker container inspect -f '{{.State.Running}}' "$container")" != true ]; then
    $docker start "$container" > /dev/null
  fi
  for _ in $(seq 1 60); do inner "$name" info > /dev/null 2>&1 && return 0; sleep 0.25; done
  $docker logs --tail 20 "$container" >&2
  return 1
}

prepare() {
  local label
  label=$(tar -C "$root_dir/scripts/engine/worker" -c --sort=name --mtime=@0 --owner=0 --group=0 . | sha256sum | cut -c1-12)
  if [ "$($docker image inspect -f '{{index .Config.Labels "nl.flexinit.ai-stack.context"}}' "$worker_image" 2> /dev/null || true)" != "$label" ]; then
    say "building the worker image"
    $docker build -q --label "nl.flexinit.ai-stack.context=$label" -t "$worker_image" "$root_dir/scripts/engine/worker" > /dev/null
  fi
  for name in "${workers[@]}"; do
    start_worker "$name"
    for image in "$@"; do
      # `docker load` keeps the image's id: loaded once, then recognised.
      [ "$(inner "$name" image inspect -f '{{.Id}}' "$image" 2> /dev/null || true)" = "$($docker image inspect -f '{{.Id}}' "$image")" ] && continue
      say "loading $image into $name"
      $docker save "$image" | $docker exec -i "ai-stack-$name" docker load -q > /dev/null
    done
  done
}

# How many worker nodes the manager lists as ready (with that hostname, when one is given).
ready_workers() {
  $docker node ls -q --filter role=worker | xargs -r $docker node inspect -f '{{.Description.Hostname}} {{.Status.State}}' \
    | grep -c "^${1:-[^ ]*} ready$" || true
}

join() {
  prepare "$@"
  local token
  token=$($docker swarm join-token -q worker)
  for name in "${workers[@]}"; do
    [ "$(inner "$name" info -f '{{.Swarm.LocalNodeState}}')" = active ] && [ "$(ready_workers "$name")" = 1 ] && continue
    # A worker stopped while in the Swarm (a test that failed after killing it) still thinks it is
    # in; the manager may list it as Down. Both forget, then it joins afresh.
    inner "$name" swarm leave --force > /dev/null 2>&1 || true
    # It joins as a fresh node: what earlier runs left on it goes (a stack moved here would find
    # an earlier run's workspace of the same name, and a test of a fresh workspace would fail).
    inner "$name" container prune -f > /dev/null
    for volume in $(inner "$name" volume ls -q); do inner "$name" volume rm -f "$volume" > /dev/null; done
    for id in $($docker node ls -q --filter role=worker --filter "name=$name"); do
      [ "$($docker node inspect -f '{{.Description.Hostname}}' "$id")" = "$name" ] && $docker node rm --force "$id" > /dev/null
    done
    inner "$name" swarm join --token "$token" --advertise-addr "$(address "$name")" "$manager_addr:2377" > /dev/null
  done
  for _ in $(seq 1 80); do
    [ "$(ready_workers)" -ge ${#workers[@]} ] && { say "joined: ${workers[*]}"; return 0; }
    sleep 0.25
  done
  $docker node ls >&2
  return 1
}

leave() {
  for name in "${workers[@]}"; do
    $docker container inspect "ai-stack-$name" > /dev/null 2>&1 || continue
    [ "$($docker container inspect -f '{{.State.Running}}' "ai-stack-$name")" = true ] && inner "$name" swarm leave --force > /dev/null 2>&1 || true
    $docker stop -t 2 "ai-stack-$name" > /dev/null
  done
  # The manager forgets them (a node that left is listed as Down until removed).
  for id in $($docker node ls -q --filter role=worker); do $docker node rm --force "$id" > /dev/null; done
  say "left: ${workers[*]}"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  join) shift; join "$@" ;;
  leave) leave ;;
  *) echo "usage: nodes.sh prepare IMAGE... | join [IMAGE...] | leave" >&2; exit 2 ;;
esac
