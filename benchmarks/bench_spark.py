"""Local engine against the Spark engine on one generated corpus: wall time, peak memory, and per
Spark stage the time and the shuffle written; checks that both outputs are the same bytes.

    .venv/bin/python benchmarks/bench_spark.py --docs 50000 --corpus-dir /tmp/bench
    .venv/bin/python benchmarks/bench_spark.py --docs 10000 --docs 50000 --docs 100000 --engines spark

Each engine runs in a child process (``dedup cluster … --format jsonl``; the Spark one through
`dedup.engine.spark` with the stage hook on); peak memory is the largest sum of resident memory
over that process and all its descendants (the JVM and Spark's Python workers included), sampled
every 0.2 s. Shuffle sizes come from Spark's status REST API (the UI is turned on for this run).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, sentence_sources  # noqa: E402
from dedup.eval import data_root  # noqa: E402


def corpus(docs: int, seed: int, directory: Path) -> Path:
    """The generated corpus of `docs` documents, written once and reused."""
    path = directory / f"dedup-bench-{docs}-seed{seed}.jsonl"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as stream:
            for record in generate(docs, seed, sentence_sources(data_root())):
                record.pop("family")
                stream.write(json.dumps(record) + "\n")
        partial.rename(path)
    return path


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, ()))
        try:
            with open(f"/proc/{current}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


def measured(command: list[str]) -> tuple[float, int, str]:
    """Run `command`; its wall time, peak resident memory of its process tree, and its stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: exit status {process.returncode}")
    return time.perf_counter() - start, peak[0], out


def spark_job(path: str, output: str, master: str) -> None:
    """In the child process: cluster `path` on Spark with the stage hook, write JSON Lines to
    `output`, and print per-stage seconds and shuffle bytes as one JSON object."""
    from urllib.request import urlopen

    from dedup import DedupConfig
    from dedup.engine.spark import read_articles_spark, run_cluster_spark, spark_session
    from dedup.io.writers import write_jsonl
    from dedup.report.records import cluster_records

    spark = spark_session(master, settings={"spark.ui.enabled": "true", "spark.ui.port": "4077"})
    times: dict[str, float] = {}
    mark = [time.perf_counter()]
    spark.sparkContext.setJobGroup("read", "dedup: read")
    articles = read_articles_spark(spark, [path])

    def on_stage(name: str) -> None:
        now = time.perf_counter()
        times[name] = now - mark[0]
        mark[0] = now

    on_stage("read")
    spark.sparkContext.setJobGroup("prepare", "dedup: prepare")
    result = run_cluster_spark(spark, articles, DedupConfig(seed=1), on_stage=on_stage)
    with open(output, "w", encoding="utf-8") as stream:
        write_jsonl(cluster_records(result), stream)
    times["write"] = time.perf_counter() - mark[0]
    ui = spark.sparkContext.uiWebUrl
    app = spark.sparkContext.applicationId
    jobs = json.load(urlopen(f"{ui}/api/v1/applications/{app}/jobs"))
    stages = json.load(urlopen(f"{ui}/api/v1/applications/{app}/stages"))
    written = {stage["stageId"]: stage.get("shuffleWriteBytes", 0) for stage in stages}
    shuffle: dict[str, int] = {}
    for job in jobs:
        group = job.get("jobGroup", "")
        stage_name = group.removeprefix("after ")
        following = list(times)
        if group.startswith("after ") and stage_name in following:
            index = following.index(stage_name)
            stage_name = following[index + 1] if index + 1 < len(following) else stage_name
        shuffle[stage_name] = shuffle.get(stage_name, 0) + sum(written.get(s, 0) for s in job["stageIds"])
    spark.stop()
    print(json.dumps({"seconds": times, "shuffle_bytes": shuffle}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, action="append", help="corpus sizes (default 50000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", type=Path, default=Path("/tmp/dedup-bench"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--engines", default="local,spark", help="comma-separated: local, spark")
    parser.add_argument("--spark-job", nargs=2, metavar=("INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spark_job:
        spark_job(*args.spark_job, args.master)
        return
    engines = args.engines.split(",")
    for docs in args.docs or [50_000]:
        path = corpus(docs, args.seed, args.corpus_dir)
        size_mb = path.stat().st_size / 1e6
        print(f"corpus: {docs} documents, {size_mb:.0f} MB ({path})", flush=True)
        outputs = {}
        for engine in engines:
            output = args.corpus_dir / f"out-{engine}-{docs}.jsonl"
            if engine == "local":
                dedup = str(Path(sys.executable).with_name("dedup"))
                command = [dedup, "cluster", str(path), "--format", "jsonl", "-o", str(output)]
            else:
                command = [sys.executable, __file__, "--master", args.master, "--spark-job", str(path), str(output)]
            seconds, peak, out = measured(command)
            outputs[engine] = output
            print(
                f"  {engine:<6} {seconds:8.1f} s  {docs / seconds:8.0f} docs/s  peak RSS {peak / 2**20:8.0f} MB"
                " (process tree)",
                flush=True,
            )
            if engine == "spark":
                report = json.loads(out.strip().splitlines()[-1])
                for stage, stage_seconds in report["seconds"].items():
                    shuffled = report["shuffle_bytes"].get(stage, 0) / 2**20
                    print(f"      {stage:<22} {stage_seconds:7.1f} s  shuffle written {shuffled:8.1f} MB", flush=True)
        if len(outputs) == 2:
            same = filecmp.cmp(outputs["local"], outputs["spark"], shallow=False)
            print(f"  outputs byte-identical: {same}", flush=True)


if __name__ == "__main__":
    main()
