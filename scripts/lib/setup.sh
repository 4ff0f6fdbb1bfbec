# shellcheck shell=bash
# Shared by scripts/run and scripts/test (sourced, not run): what both need before they build.
#
#   log MESSAGE...                  a progress line on standard error
#   as_root COMMAND...              the command as root: directly when root, else through sudo
#   install_missing PACKAGE...      apt-get install of those not installed (one update first)
#   ensure_swift                    swift on PATH (adding /opt/swift/usr/bin if it is there), or exit 1

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: '$*' needs root, and sudo is not installed; run this script as root" >&2
        return 1
    fi
}

install_missing() {
    local package missing=()
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$package")
        fi
    done
    ((${#missing[@]} > 0)) || return 0
    log "installing missing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift is not on PATH (nor under /opt/swift): install the Swift 6.3 toolchain, https://www.swift.org/install/linux/" >&2
        exit 1
    fi
}
