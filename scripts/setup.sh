#!/usr/bin/env bash
# Installs what Bailian Desk needs on a fresh Debian 12 machine, as root. Safe to run again: each
# step is skipped when its result is already there.
#   scripts/setup.sh app   — build and run the app
#   scripts/setup.sh test  — also the test tools (Xvfb, WebKitWebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"

apt_packages=(
  build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libgtk-3-dev
  # A real desktop has CJK fonts; without them Chinese text renders as boxes.
  fonts-noto-cjk
  xvfb xauth
)
if [ "$purpose" = "test" ]; then
  # keyutils: keyctl runs the credential-store tests in a fresh session keyring (crates/vault).
  # dbus, gnome-keyring, libsecret-tools: the Secret Service test runs GNOME Keyring in a private
  # D-Bus session (dbus-run-session) and checks what it holds with secret-tool.
  # chromium: the browser tests (tests/browser) drive Debian's build; Playwright cannot download one.
  # pulseaudio: a sine-wave microphone and a null speaker for the voice tests (test-microphone.sh).
  apt_packages+=(webkit2gtk-driver imagemagick xdotool keyutils dbus gnome-keyring libsecret-tools chromium pulseaudio)
fi

missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for component in clippy rustfmt; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$purpose" = "test" ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: cargo install tauri-driver"
  cargo install tauri-driver --locked --version "^2" --quiet
fi
