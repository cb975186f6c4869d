#!/bin/sh
# Without --privileged the cgroup v1 hierarchies are mounted read-only; a bind remount makes them
# writable (a plain `remount,rw` fails with "mount point is busy"). A worker killed and started
# again finds the pid files of its last run and would refuse to start.
set -e
for d in /sys/fs/cgroup/*; do mount -o remount,bind,rw "$d" 2> /dev/null || true; done
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
exec dockerd "$@"
