#!/usr/bin/env bash
# A microphone and a speaker for the tests on a machine without a sound card: PulseAudio with a
# sine-wave source (a 440 Hz tone) and a null sink, as the defaults. WebKitGTK finds them through
# GStreamer, so the app's dictation and read-aloud run for real (src-tauri/tests/microphone.rs,
# the end-to-end voice journey). Where PulseAudio already runs (a desktop session) it is left as
# it is: its own microphone serves the tests as well. Safe to run again.
set -euo pipefail
if pactl info >/dev/null 2>&1; then
  echo "test microphone: PulseAudio already runs; default input $(pactl get-default-source)"
  exit 0
fi
# As root PulseAudio warns that it is meant for a user session; it works all the same.
pulseaudio --daemonize=yes --exit-idle-time=-1 -n \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=desk_test_speaker" \
  --load="module-sine-source source_name=desk_test_microphone frequency=440" 2>/dev/null
for _ in $(seq 50); do
  pactl info >/dev/null 2>&1 && break
  sleep 0.1
done
pactl set-default-source desk_test_microphone
pactl set-default-sink desk_test_speaker
echo "test microphone: $(pactl get-default-source), speaker: $(pactl get-default-sink)"
