#!/bin/sh
# Entrypoint of the AI Stack image.
#
# 1. Resolves the server password (OPENCODE_SERVER_PASSWORD, or the file named by
#    OPENCODE_SERVER_PASSWORD_FILE) and warns loudly when there is none.
# 2. Copies the baked configuration from /shared/config into OpenCode's global config
#    directory (and oh-my-openagent's ~/.omo), leaving every file the user already has untouched,
#    then writes the owner's models per agent (STACK_AGENT_MODELS) into ~/.omo/omo.jsonc.
# 3. Carries sessions an OpenCode 1.1 image left in the data directory over to this
#    OpenCode's database (import-sessions.ts), when there are any.
# 4. Replaces itself with `opencode serve` on 0.0.0.0:8080, in /workspace.
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

is_false() {
  case "${1:-}" in
    0 | false | FALSE | False | no | NO | off | OFF) return 0 ;;
    *) return 1 ;;
  esac
}

STACK_CONFIG_SOURCE="${STACK_CONFIG_SOURCE:-/shared/config}"
STACK_WORKSPACE="${STACK_WORKSPACE:-/workspace}"
STACK_IMPORT_SCRIPT="${STACK_IMPORT_SCRIPT:-/usr/local/share/stack-image/import-sessions.ts}"
STACK_AGENT_MODELS_SCRIPT="${STACK_AGENT_MODELS_SCRIPT:-/usr/local/share/stack-image/agent-models.ts}"
OPENCODE_CONFIG_HOME="${XDG_CONFIG_HOME:-${HOME:-/home/bun}/.config}/opencode"
OPENCODE_DATA_HOME="${XDG_DATA_HOME:-${HOME:-/home/bun}/.local/share}/opencode"
# oh-my-openagent reads its settings from $HOME/.omo, whatever XDG says.
OMO_CONFIG_HOME="${HOME:-/home/bun}/.omo"

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
# OpenCode merges ~/.config/opencode/opencode.json and opencode.jsonc; oh-my-openagent reads
# ~/.omo/omo.jsonc. A copy (not a link) keeps the files writable by their owner, and an
# existing file always wins over the baked one.
install_default() { # <file name> <target directory>
  if ! mkdir -p "$2" 2>/dev/null; then
    log "WARNING: cannot create $2; $1 keeps its defaults"
    return 0
  fi
  target="$2/$1"
  if [ -e "$target" ] || [ -L "$target" ]; then
    log "keeping existing $target"
  elif [ -f "$STACK_CONFIG_SOURCE/$1" ]; then
    if cp "$STACK_CONFIG_SOURCE/$1" "$target"; then
      log "installed default $target"
    else
      log "WARNING: could not copy $STACK_CONFIG_SOURCE/$1 to $target"
    fi
  else
    log "WARNING: baked config $STACK_CONFIG_SOURCE/$1 is missing"
  fi
}
install_default opencode.json "$OPENCODE_CONFIG_HOME"
install_default opencode.jsonc "$OPENCODE_CONFIG_HOME"
install_default omo.jsonc "$OMO_CONFIG_HOME"

# The owner's model per agent (STACK_AGENT_MODELS, `<agent>=<provider>/<model>,...`, from the
# portal) over the free defaults in omo.jsonc. ~/.omo is not a volume: every start begins from
# the baked file, so a choice taken back is gone at the next start.
if [ -n "${STACK_AGENT_MODELS:-}" ] && [ -f "$OMO_CONFIG_HOME/omo.jsonc" ]; then
  if ! OMO_CONFIG_HOME="$OMO_CONFIG_HOME" bun "$STACK_AGENT_MODELS_SCRIPT"; then
    log "WARNING: the models chosen per agent could not be applied; the free defaults stay"
  fi
fi

# --- 3. sessions of OpenCode 1.1 ----------------------------------------------------
# Only a data directory an old image wrote has storage/session; the import is then quick
# when it already ran (it keeps a marker) and about 2 s a session when it did not. The
# server starts either way: a session it could not import stays in its files, is tried
# again at the next start, and the portal's rollout sees it missing and puts the old image
# back (stack-image/README.md, "Upgrading a running stack").
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  if [ -d "$OPENCODE_DATA_HOME/storage/session" ] && ! is_false "${STACK_IMPORT_SESSIONS:-}"; then
    if ! STACK_WORKSPACE="$STACK_WORKSPACE" bun "$STACK_IMPORT_SCRIPT"; then
      log "WARNING: some sessions of OpenCode 1.1 were not imported (above); starting anyway"
    fi
  fi
fi

# --- 4. start -----------------------------------------------------------------------
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
