#!/bin/sh
# Docker HEALTHCHECK of the AI Stack image: succeeds when OpenCode answers
# GET /global/health on port 8080 with a 2xx.
#
# When a password is configured, OpenCode requires basic auth on every route, this one
# included. The credentials go to curl through its config on stdin, so they never
# appear in the process list.
set -eu

url="http://127.0.0.1:8080/global/health"

password="${OPENCODE_SERVER_PASSWORD:-}"
if [ -z "$password" ] && [ -n "${OPENCODE_SERVER_PASSWORD_FILE:-}" ] && [ -r "$OPENCODE_SERVER_PASSWORD_FILE" ]; then
  password="$(cat "$OPENCODE_SERVER_PASSWORD_FILE")"
fi

if [ -n "$password" ]; then
  token="$(printf '%s:%s' "${OPENCODE_SERVER_USERNAME:-opencode}" "$password" | base64 | tr -d '\n')"
  printf 'header = "Authorization: Basic %s"\n' "$token" |
    curl --fail --silent --show-error --max-time 4 --output /dev/null --config - "$url"
else
  curl --fail --silent --show-error --max-time 4 --output /dev/null "$url"
fi
