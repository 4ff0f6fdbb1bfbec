#!/usr/bin/env bash
# Refreshes the README's screenshots with headless Chromium (Debian package `chromium`):
#
#   docs/screenshots/take.sh      writes docs/screenshots/digest.png and subscribe-page.png
#   ITSM_BUILD_SCRATCH=.build-release docs/screenshots/take.sh
#                                 the same with the release binaries of another SwiftPM scratch path
#
# It seeds the demo into a scratch folder's database (nothing of ./var is touched), starts
# itsm-scheduler there on a free loopback port with mail as files, lets the daemon send the
# ops-weekly digest (its catch-up of the latest missed run, as scripts/run does), and shoots the
# digest's .html and the list's subscribe page. The binaries are the release ones scripts/run builds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$PWD"
out="$root/docs/screenshots"
log() { printf '==> %s\n' "$*" >&2; }

command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
build_scratch="${ITSM_BUILD_SCRATCH:-.build}"
log "swift build -c release --scratch-path $build_scratch (itsm-scheduler, itsm)"
swift build -c release --scratch-path "$build_scratch" --product itsm-scheduler >/dev/null
swift build -c release --scratch-path "$build_scratch" --product itsm >/dev/null
bin="$(swift build -c release --scratch-path "$build_scratch" --show-bin-path)"
itsm="$bin/itsm"
scheduler="$bin/itsm-scheduler"

scratch="$(mktemp -d)"
daemon=""
cleanup() {
    if [[ -n "$daemon" ]]; then kill -TERM "$daemon" 2>/dev/null && wait "$daemon" || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
cd "$scratch"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Only the scratch folder's settings: no ITSM_* of the caller's shell leaks in.
for name in $(compgen -e | grep '^ITSM_' || true); do unset "$name"; done
export ITSM_HTTP_BIND="127.0.0.1:$port" ITSM_SCHEDULER_CATCH_UP=latest

log "itsm demo seed in $scratch"
"$itsm" demo seed >/dev/null
log "itsm-scheduler on $ITSM_HTTP_BIND"
"$scheduler" 2>"$scratch/daemon.log" &
daemon=$!

# The daemon sends the digest as soon as it starts; wait for its .html (at most a minute).
digest=""
for _ in $(seq 600); do
    digest="$("$itsm" demo open --list ops-weekly 2>/dev/null)" && break
    digest=""
    sleep 0.1
done
[[ -n "$digest" ]] || { echo "no ops-weekly digest within a minute; the daemon's log:" >&2; cat "$scratch/daemon.log" >&2; exit 1; }

shoot() {  # shoot FILE WIDTHxHEIGHT URL
    log "chromium: $1 from $3"
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$scratch/chromium" \
        --window-size="${2/x/,}" --screenshot="$1" "$3" 2>>"$scratch/chromium.log" >/dev/null
}
shoot "$out/digest.png" 900x4800 "file://$digest"
shoot "$out/subscribe-page.png" 900x420 "http://$ITSM_HTTP_BIND/lists/ops-weekly"
log "wrote $out/digest.png and $out/subscribe-page.png"
