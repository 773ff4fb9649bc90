"""Peak memory of a child process and everything it forks, sampled from outside it (Linux /proc).

Forked workers share their parent's pages until they write them, so summing resident sizes (RSS)
counts those pages once per process; the proportional set size (PSS) counts each shared page
once in all, split among its sharers, and is the honest total. Both are reported.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field


@dataclass
class TreePeak:
    """Largest sums seen over a process tree, in bytes, the most processes seen at once, and every
    sample as (time.time(), PSS bytes), so that a caller told when each stage ran can give each
    stage its own peak (`peak_between`)."""

    pss: int = 0
    rss: int = 0
    processes: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)

    def peak_between(self, start: float, end: float) -> int:
        """The largest PSS sampled from `start` to `end` (time.time() seconds), 0 if none was."""
        return max((pss for moment, pss in self.samples if start <= moment <= end), default=0)


def tree_pids(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc/<pid>/task/<tid>/children."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    stack.extend(int(child) for child in children.read().split())
            except OSError:
                continue
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in bytes, or zeros once it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return pss, rss


def run_measured(command: list[str], *, interval: float = 0.02) -> tuple[subprocess.CompletedProcess, TreePeak]:
    """Run `command` to the end, sampling its process tree's memory every `interval` seconds."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = TreePeak()

    def sample() -> None:
        while process.poll() is None:
            pids = tree_pids(process.pid)
            sizes = [_memory(pid) for pid in pids]
            pss = sum(p for p, _ in sizes)
            peak.samples.append((time.time(), pss))
            peak.pss = max(peak.pss, pss)
            peak.rss = max(peak.rss, sum(r for _, r in sizes))
            peak.processes = max(peak.processes, len(pids))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak
