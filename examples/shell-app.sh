#!/usr/bin/env bash
# A minimal streaming application in any language, with curl only:
#
#   npx livestream-session -- bash examples/shell-app.sh
#
# It reports app ready and the first frame, prints the credentials it receives (never the
# password) and exits 0 when the session ends or on SIGTERM.
set -u
base=${LIVESTREAM_SESSION_URL:-http://127.0.0.1:8011}
log() { printf 'shell-app: %s\n' "$*"; }
field() { printf '%s' "$2" | sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

report() {
  curl -fsS -o /dev/null -X POST "$base/v1/streaming/events" \
    -H 'content-type: application/json' -d "{\"event\":\"$1\"}" || exit 1
  log "reported $1"
}

# The event stream: "event:" names the event, "data:" is its JSON. Bash unsets SSE_PID and
# SSE once the coprocess ends (the service closes the stream when it stops), so both are
# copied first: the pid, and the stream as a descriptor of our own. The reader ignores the
# SIGTERM sent to the whole group when the session ends, so that it still passes on what the
# service sent before (the end of the session itself); this script stops it.
coproc SSE { trap '' TERM; exec curl -fsSN "$base/v1/streaming/events"; }
sse_pid=${SSE_PID:-}
exec {sse}<&"${SSE[0]}"
stop() {
  log "$1"
  kill -HUP "$sse_pid" 2>/dev/null
  exit 0
}
trap 'stop "SIGTERM: shutting down"' TERM

# Listen first: the stream opens with the current readiness, and from then on nothing
# dispatched (credentials, the end of the session) can be missed.
while IFS= read -r line <&"$sse"; do
  case "$line" in data:*) log "readiness: $(field reason "${line#data: }")"; break ;; esac
done

report omni.kit.app.GLOBAL_EVENT_APP_READY
report omni.usd.StageRenderingEventType.NEW_FRAME

event=
while IFS= read -r line <&"$sse"; do
  case "$line" in
    event:*) event=${line#event: } ;;
    data:*)
      data=${line#data: }
      case "$event" in
        omni.services.livestream.session.stun_credentials) log "credentials received: stun $(field stunIp "$data")" ;;
        omni.services.livestream.session.ended) stop "session ended ($(field cause "$data")); exiting" ;;
        readiness) log "readiness: $(field reason "$data")" ;;
      esac ;;
  esac
done
stop "event stream closed; exiting"
