"""What the machine did during one of the page's long tasks, from tests/e2e/os-profile.sh.

Usage: python3 tests/e2e/os-profile-window.py <task start, epoch ms> <task length, ms>
Prints the samples per thread, the libraries the web process's main thread was in, and a
millisecond timeline of that thread (samples, switches in and out, wake-ups).
"""

import collections
import os
import re
import sys

LINE = re.compile(r"\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)")
FRAME = re.compile(r"\s(\S+|\[unknown\])\s+\(([^)]*)\)\s*$")


def main() -> None:
    out = os.environ.get("OS_PROFILE_DIR", "artifacts/os-profile")
    start_epoch_ms, length_ms = float(sys.argv[1]), float(sys.argv[2])
    offset = float(open(f"{out}/clock-offset").read())
    main_tid = int(open(f"{out}/web-process.pid").read())
    begin = start_epoch_ms / 1000 - offset - 0.010
    end = begin + (length_ms + 25) / 1000
    events = []
    for line in open(f"{out}/perf.txt"):
        match = LINE.match(line)
        if match and begin <= float(match.group(4)) <= end:
            events.append(match.groups())
    per_thread = collections.Counter()
    libraries = collections.Counter()
    timeline = []
    for comm, tid, cpu, time, kind, rest in events:
        at = (float(time) - begin) * 1000 - 10
        frame = FRAME.search(rest)
        where = f"{frame.group(1)[:40]} {frame.group(2).split('/')[-1][:28]}" if frame else ""
        if kind == "cpu-clock":
            per_thread[(comm, int(tid))] += 1
            if int(tid) == main_tid:
                libraries[frame.group(2).split("/")[-1] if frame else "?"] += 1
                timeline.append(f"{at:7.1f} cpu{cpu} {where}")
        elif kind == "sched:sched_switch" and (
            f"prev_pid={main_tid} " in rest or f"next_pid={main_tid} " in rest
        ):
            state = re.search(r"prev_state=(\S+)", rest).group(1)
            timeline.append(f"{at:7.1f} cpu{cpu} switch {rest.split(' ==> ')[0].split()[0]} ({state}) -> {rest.split('next_comm=')[1].split(' next_pid')[0]}")
        elif kind == "sched:sched_wakeup" and f"pid={main_tid} " in rest:
            timeline.append(f"{at:7.1f} cpu{cpu} woken by {comm}")
    print("samples per thread (1 kHz per CPU):", per_thread.most_common(10))
    print("web process main thread, by library:", libraries.most_common(8))
    print("\n".join(timeline))


if __name__ == "__main__":
    main()
