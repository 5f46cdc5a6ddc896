"""What a measurement ran on, named so reports never compare timings across different hardware."""

from __future__ import annotations

import platform


def cpu_model() -> str:
    """The CPU's model name ('Intel(R) Xeon(R) ...'), from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
