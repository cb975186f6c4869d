#!/bin/sh
# Entrypoint of the AI Stack image.
#
# 1. Resolves the server password (OPENCODE_SERVER_PASSWORD, or the file named by
#    OPENCODE_SERVER_PASSWORD_FILE) and warns loudly when there is none.
# 2. Copies the baked configuration from /shared/config into OpenCode's global config
#    directory, leaving every file the user already has untouched.
# 3. Replaces itself with `opencode serve` on 0.0.0.0:8080, in /workspace.
#
# With arguments that start with "-", those are added to `opencode serve`; any other
# command (for example `bash`) is run instead of the server.
set -eu

log() {
  printf '[stack-image] %s\n' "$*" >&2
}

is_true() {
  case "${1:-}" in
    1 | true | TRUE | True | yes | YES | on | ON) return 0 ;;
    *) return 1 ;;
  esac
}

STACK_CONFIG_SOURCE="${STACK_CONFIG_SOURCE:-/shared/config}"
STACK_WORKSPACE="${STACK_WORKSPACE:-/workspace}"
OPENCODE_CONFIG_HOME="${XDG_CONFIG_HOME:-${HOME:-/home/bun}/.config}/opencode"

# --- 1. authentication --------------------------------------------------------------
# OpenCode itself reads OPENCODE_SERVER_PASSWORD (and OPENCODE_SERVER_USERNAME, default
# "opencode") and then requires HTTP basic auth on every route. We only make sure it is
# exported, optionally load it from a file (Docker/Swarm secrets), and never print it.
if [ -z "${OPENCODE_SERVER_PASSWORD:-}" ] && [ -n "${OPENCODE_SERVER_PASSWORD_FILE:-}" ]; then
  if [ -r "$OPENCODE_SERVER_PASSWORD_FILE" ] && [ -f "$OPENCODE_SERVER_PASSWORD_FILE" ]; then
    OPENCODE_SERVER_PASSWORD="$(cat "$OPENCODE_SERVER_PASSWORD_FILE")"
  else
    # The operator asked for a password; serving without one would be the wrong failure.
    log "ERROR: OPENCODE_SERVER_PASSWORD_FILE=$OPENCODE_SERVER_PASSWORD_FILE cannot be read; refusing to start."
    exit 1
  fi
fi

if [ -n "${OPENCODE_SERVER_PASSWORD:-}" ]; then
  export OPENCODE_SERVER_PASSWORD
  if [ -n "${OPENCODE_SERVER_USERNAME:-}" ]; then
    export OPENCODE_SERVER_USERNAME
  fi
  log "HTTP basic auth is on (user: ${OPENCODE_SERVER_USERNAME:-opencode})."
else
  unset OPENCODE_SERVER_PASSWORD 2>/dev/null || true
  {
    echo "[stack-image] ************************************************************"
    echo "[stack-image] WARNING: OPENCODE_SERVER_PASSWORD is not set."
    echo "[stack-image] The OpenCode server will accept requests WITHOUT authentication."
    echo "[stack-image] Anyone who can reach port 8080 gets a shell in this container"
    echo "[stack-image] and every file in /workspace. Set OPENCODE_SERVER_PASSWORD"
    echo "[stack-image] (or OPENCODE_SERVER_PASSWORD_FILE) before exposing this stack."
    echo "[stack-image] ************************************************************"
  } >&2
  if is_true "${STACK_REQUIRE_PASSWORD:-}"; then
    log "ERROR: STACK_REQUIRE_PASSWORD is set; refusing to start without a password."
    exit 1
  fi
fi
unset OPENCODE_SERVER_PASSWORD_FILE 2>/dev/null || true

# --- 2. configuration ---------------------------------------------------------------
# OpenCode merges ~/.config/opencode/opencode.json and opencode.jsonc; oh-my-opencode
# reads ~/.config/opencode/oh-my-opencode.json. A copy (not a link) keeps the files
# writable by their owner, and an existing file always wins over the baked one.
if mkdir -p "$OPENCODE_CONFIG_HOME" 2>/dev/null; then
  for name in opencode.json opencode.jsonc oh-my-opencode.json; do
    target="$OPENCODE_CONFIG_HOME/$name"
    if [ -e "$target" ] || [ -L "$target" ]; then
      log "keeping existing $target"
    elif [ -f "$STACK_CONFIG_SOURCE/$name" ]; then
      if cp "$STACK_CONFIG_SOURCE/$name" "$target"; then
        log "installed default $target"
      else
        log "WARNING: could not copy $STACK_CONFIG_SOURCE/$name to $target"
      fi
    else
      log "WARNING: baked config $STACK_CONFIG_SOURCE/$name is missing"
    fi
  done
else
  log "WARNING: cannot create $OPENCODE_CONFIG_HOME; starting with OpenCode's defaults"
fi

# --- 3. start -----------------------------------------------------------------------
if [ -d "$STACK_WORKSPACE" ]; then
  cd "$STACK_WORKSPACE"
  if [ ! -w . ]; then
    log "WARNING: $STACK_WORKSPACE is not writable by $(id -un 2>/dev/null || id -u); the agents cannot save work"
  fi
else
  log "WARNING: $STACK_WORKSPACE does not exist; serving from $(pwd)"
fi

if [ "$#" -gt 0 ]; then
  case "$1" in
    -*) ;;
    *) exec "$@" ;;
  esac
fi

exec opencode serve --hostname 0.0.0.0 --port 8080 "$@"
