#!/usr/bin/env bash
# Builds and opens Bailian Desk with its embedded defaults (local SQLite, no server). With
# DASHSCOPE_API_KEY set it talks to Bailian; without, it offers the offline demo. On a machine with
# no display it runs under Xvfb (screenshot with `DISPLAY=:99 import -window root shot.png`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh app
npm run build --workspace ui
cargo build -p bailian-desk-app --features custom-protocol --release --locked
app=target/release/bailian-desk-app
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app"
fi
echo "No display found: running under Xvfb on :99 (DISPLAY=:99 import -window root shot.png takes a screenshot)."
exec xvfb-run -n 99 -s "-screen 0 1280x800x24" "$app"
