"""Throughput of `dedup cluster` against the hand-written datasketch pipeline, on generated corpora.

For each corpus size and kind (`--corpus`): generate (or reuse) a corpus with
`benchmarks/generate.py` (families of copies whose sentences rarely recur elsewhere) or with
``../shared/tools/make_corpus.py`` (real news sentences, 30% edited copies, sentences recurring
across unrelated articles; skipped with a message where ../shared is absent), then run, each in
its own process so that peak memory is its own:

- the copy level (`dedup cluster --level copies`, `dedup.cluster_copies`) end to end, from reading
  the file to the copy groups, with its stages marked through the progress callback (read+sketch,
  streamed through worker processes; tf-idf+LSH; verify; group), and its peak memory sampled
  from outside as the proportional set size (PSS) of its whole process tree (`memory.py`);
- the copy level's stages one by one in one process (read, words, shingles, signatures, term
  counts, tf-idf, LSH, verify, group), for the finer split;
- the story level (the default `dedup cluster`) end to end: `read_articles` then `dedup.cluster`,
  timed as one, with its stages timed through the progress callback (prepare; candidates = document TF-IDF,
  shingles, signatures and LSH; verify = cosine, sentence space and alignment; group), and each
  stage's peak PSS over the process tree (workers included);
- dedup's early stages one by one (read, prepare, shingle+signature, LSH, and the sentence tables
  the alignment reads), for the finer split;
- the reference (`benchmarks/reference.py`): read, shingle, signature, LSH, verify, group.

Each end-to-end run (the copy level, the story level, the reference) is made twice: alone, for
every time printed, and again with its process tree's memory sampled, for every peak PSS printed
(`_run_child`: the sampler slows what it measures, the more so the larger the run; `--no-memory`
skips the second run). Prints docs/s, MB/s (corpus bytes / stage time) and peak memory per stage
(ru_maxrss of the process so far; with --tracemalloc also the traced Python peak of each stage, in
a further run), the speed ratio, and the adjusted Rand index of each pipeline against the
generator's families (dedup: copy groups at the story level, copy groups = stories at the copy
level; reference: connected components). Asserts nothing.

    .venv/bin/python benchmarks/run.py --docs 10000 --tracemalloc
    .venv/bin/python benchmarks/run.py --docs 10000 --docs 100000 --level copies
    .venv/bin/python benchmarks/run.py --docs 10000 --level stories --corpus both --corpus-seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class _Stages:
    """Wall time, ru_maxrss and (when tracing) traced peak of consecutive stages."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.rows: list[dict] = []
        self.start = time.perf_counter()
        if trace:
            tracemalloc.start()

    def end(self, stage: str) -> None:
        now = time.perf_counter()
        row = {"stage": stage, "seconds": now - self.start, "rss_mb": _rss_mb()}
        if self.trace:
            row["traced_mb"] = tracemalloc.get_traced_memory()[1] / (1 << 20)
            tracemalloc.reset_peak()
        self.rows.append(row)
        self.start = time.perf_counter()


def _rss_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 << 20 if sys.platform == "darwin" else 1024
    return max(own, children) / scale


def _child_dedup(path: str) -> dict:
    import dedup
    from dedup.io.readers import read_articles

    marks: dict[str, float] = {}

    def progress(stage: str, advance: int) -> None:
        marks[stage] = time.perf_counter()
        marks.setdefault("first " + stage, marks[stage])

    wall_start = time.time()  # the clock the memory sampler stamps its samples with
    start = time.perf_counter()
    articles = list(read_articles([path]))
    read = time.perf_counter()
    result = dedup.cluster(articles, progress=progress)
    done = time.perf_counter()
    labels = {member.id: f"{group.story}/{group.group}" for group in result.groups for member in group.members}
    prepared = marks.get("prepare", read)
    candidates = marks.get("candidates", prepared)
    scored = marks.get("score", candidates)
    stages = [
        {"stage": "read", "seconds": read - start},
        {"stage": "prepare", "seconds": prepared - read},
        {"stage": "candidates", "seconds": candidates - prepared},
        {"stage": "score/align", "seconds": scored - candidates},
        {"stage": "group", "seconds": done - scored},
    ]
    elapsed = 0.0
    for stage in stages:  # when each stage ran, on the sampler's clock
        stage["wall"] = (wall_start + elapsed, wall_start + elapsed + stage["seconds"])
        elapsed += stage["seconds"]
    return {
        "seconds": done - start,
        "rss_mb": _rss_mb(),
        "stages": stages,
        "labels": [labels[a.id] for a in articles],
        "pairs": len(result.pairs),
    }


def _child_dedup_stages(path: str, trace: bool) -> dict:
    from dedup.bulk_space import SentenceTables
    from dedup.config import DedupConfig
    from dedup.io.readers import read_articles
    from dedup.score import DocumentSpace
    from dedup.stages.candidates import banded_pairs
    from dedup.stages.prepare import collector_paused, prepare_all
    from dedup.stages.sketch import copy_signatures, story_signatures

    config = DedupConfig()
    stages = _Stages(trace)
    articles = list(read_articles([path]))
    stages.end("read")
    with collector_paused():  # as `dedup.pipelines.cluster.run_cluster` runs these stages
        documents = prepare_all(articles)
        stages.end("prepare")
        space = DocumentSpace(documents)
        stages.end("document tf-idf")
        copy = copy_signatures(documents, config.candidates, config.seed)
        story = story_signatures(space, config.candidates, config.seed)
        stages.end("shingle+signature")
        pairs = banded_pairs(copy, story, config.candidates)
        stages.end("LSH")
        # Made once before the alignment workers fork, in one process (`relate_candidates`).
        SentenceTables(documents)
        stages.end("sentence tables")
    return {"stages": stages.rows, "candidates": len(pairs)}


def _child_copies(path: str) -> dict:
    import dedup

    marks: dict[str, float] = {}

    def progress(stage: str, advance: int) -> None:
        marks[stage] = time.perf_counter()

    start = time.perf_counter()
    result = dedup.cluster_copies_inputs([path], progress=progress)  # what `dedup cluster --level copies` runs
    done = time.perf_counter()
    labels = {member.id: group.story for group in result.groups for member in group.members}
    sketched = marks.get("read", start)
    candidates = marks.get("candidates", sketched)
    scored = marks.get("score", candidates)
    stages = [
        {"stage": "read+sketch", "seconds": sketched - start},
        {"stage": "tf-idf+LSH", "seconds": candidates - sketched},
        {"stage": "verify", "seconds": scored - candidates},
        {"stage": "group", "seconds": done - scored},
    ]
    with open(path, encoding="utf-8") as stream:
        ids = [json.loads(line)["id"] for line in stream]
    return {"seconds": done - start, "stages": stages, "labels": [labels[i] for i in ids]}


def _child_copies_stages(path: str, trace: bool) -> dict:
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from dedup.config import DedupConfig
    from dedup.io.readers import read_articles
    from dedup.minhash import MinHasher, lsh_candidate_pairs
    from dedup.score import batch_tfidf, row_dots
    from dedup.shingles import shingle_hashes_flat
    from dedup.stages import sketch
    from dedup.wordhash import word_hashes

    config = DedupConfig()
    level = config.copies
    stages = _Stages(trace)
    texts = [article.text for article in read_articles([path])]
    stages.end("read")
    chunks = [texts[start : start + level.chunk_size] for start in range(0, len(texts), level.chunk_size)]
    words = [word_hashes(chunk) for chunk in chunks]
    stages.end("words")
    shingles = [shingle_hashes_flat(batch.hashes, batch.offsets, level.shingle_size) for batch in words]
    stages.end("shingles")
    hasher = MinHasher(level.num_perm, 1)
    signatures = np.concatenate([hasher.signatures_flat(hashes, counts) for hashes, counts in shingles])
    stages.end("signatures")
    counts = sp.vstack([sketch.hashed_term_counts(batch, level) for batch in words], format="csr")
    stages.end("term counts")
    vectors = batch_tfidf(counts)
    stages.end("tf-idf")
    pairs = lsh_candidate_pairs(signatures, bands=level.bands, rows=level.rows, max_bucket=config.candidates.max_bucket)
    stages.end("LSH")
    verified = pairs[row_dots(vectors, pairs[:, 0], pairs[:, 1]) >= level.min_cosine]
    stages.end("verify")
    graph = sp.coo_matrix((np.ones(len(verified)), (verified[:, 0], verified[:, 1])), shape=(len(texts),) * 2)
    connected_components(graph, directed=False)
    stages.end("components")
    return {"stages": stages.rows, "candidates": len(pairs)}


def _child_reference(path: str, trace: bool) -> dict:
    from benchmarks import reference

    stages = _Stages(trace)
    ids, texts = reference.read_jsonl(path)
    stages.end("read")
    shingles = reference.shingle(texts)
    stages.end("shingle")
    minhashes = reference.signatures(shingles)
    stages.end("signature")
    pairs = reference.lsh_pairs(minhashes)
    stages.end("LSH")
    verified = reference.verify(texts, pairs)
    stages.end("verify")
    labels = reference.components(len(texts), verified)
    stages.end("group")
    seconds = sum(row["seconds"] for row in stages.rows)
    return {"seconds": seconds, "rss_mb": _rss_mb(), "stages": stages.rows, "labels": labels.tolist()}


def _run_child(kind: str, path: str, trace: bool = False, *, memory: bool = True) -> dict:
    """Run a child twice: once alone, for its times, and once with its process tree's memory
    sampled, for the peak PSS and RSS (MB) of the whole run and of each stage (by that run's own
    stage times). The sampler reads every process's /proc smaps_rollup every 20 ms, which slows
    what it measures more the more memory there is to walk (generated 10k, story level: 11.2 s
    alone, 12.2-14.0 s sampled; generated 100k: 130.2 s alone, 147.3 s sampled every 0.2 s,
    170.9 s every 20 ms), so no time is taken from the sampled run. Without `memory`, one run
    alone, no peaks."""
    from benchmarks.memory import run_measured

    command = [sys.executable, __file__, "--child", kind, "--input", path] + (["--tracemalloc"] if trace else [])
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    result = json.loads(completed.stdout)
    for stage in result.get("stages", []):
        stage.pop("wall", None)
    if not memory:
        return result
    sampled, peak = run_measured(command)
    if sampled.returncode != 0:
        return {"error": sampled.stderr.strip().splitlines()[-1:] or ["failed"]}
    measured = json.loads(sampled.stdout)
    result.update(
        tree_pss_mb=peak.pss / 1e6,
        tree_rss_mb=peak.rss / 1e6,
        processes=peak.processes,
        sampled_seconds=measured.get("seconds"),
    )
    walls = {stage["stage"]: stage["wall"] for stage in measured.get("stages", []) if "wall" in stage}
    for stage in result.get("stages", []):
        if stage["stage"] in walls:  # the stage's own peak, over the whole process tree
            stage["pss_mb"] = peak.peak_between(*walls[stage["stage"]]) / 1e6
    return result


def _peak(result: dict) -> str:
    """The peak memory a `_run_child` result holds, with the time of the sampled run it is from."""
    if "tree_pss_mb" not in result:
        return "memory not sampled"
    return (
        f"peak memory of its {result['processes']} processes: PSS {result['tree_pss_mb']:.0f} MB "
        f"(RSS summed {result['tree_rss_mb']:.0f} MB; sampled run {result['sampled_seconds']:.2f} s)"
    )


def _print_stages(title: str, rows: list[dict], n_docs: int, megabytes: float) -> None:
    print(f"  {title}")
    traced = any("traced_mb" in row for row in rows)
    header = f"    {'stage':<20} {'seconds':>8} {'docs/s':>10} {'MB/s':>8}"
    header += f" {'peak RSS MB':>12}" if any("rss_mb" in row for row in rows) else ""
    header += f" {'peak PSS MB':>12}" if any("pss_mb" in row for row in rows) else ""
    print(header + (f" {'traced peak MB':>15}" if traced else ""))
    for row in rows:
        seconds = max(row["seconds"], 1e-9)
        line = f"    {row['stage']:<20} {seconds:8.2f} {n_docs / seconds:10,.0f} {megabytes / seconds:8.1f}"
        if "rss_mb" in row:
            line += f" {row['rss_mb']:12.0f}"
        if "pss_mb" in row:
            line += f" {row['pss_mb']:12.0f}"
        if traced:
            line += f" {row.get('traced_mb', float('nan')):15.1f}"
        print(line)


# The shared corpus maker: real news sentences that recur across unrelated articles.
MAKE_CORPUS = ROOT.parent / "shared" / "tools" / "make_corpus.py"


def _corpus(kind: str, n_docs: int, seed: int, folder: Path) -> Path | None:
    """The corpus of `kind` (generate or make_corpus), made once and kept in `folder`; None when
    make_corpus.py is absent."""
    if kind == "make_corpus":
        if not MAKE_CORPUS.exists():
            return None
        path = folder / f"dedup-bench-make_corpus-{n_docs}-seed{seed}.jsonl"
    else:
        path = folder / f"dedup-bench-{n_docs}-seed{seed}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".part")  # renamed when whole, so an interrupted run leaves no corpus
        if kind == "make_corpus":
            command = [sys.executable, str(MAKE_CORPUS), str(n_docs), str(partial), "--seed", str(seed)]
        else:
            command = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--docs", str(n_docs)]
            command += ["--seed", str(seed), "-o", str(partial)]
        subprocess.run(command, check=True)
        partial.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, action="append", help="corpus size; repeat for several (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of benchmarks/generate.py (default 1)")
    parser.add_argument(
        "--corpus",
        choices=("generate", "make_corpus", "both"),
        default="generate",
        help="benchmarks/generate.py, ../shared/tools/make_corpus.py or both (default generate)",
    )
    parser.add_argument("--corpus-seed", type=int, default=7, help="seed of make_corpus.py (default 7)")
    parser.add_argument("--corpus-dir", default="/tmp", help="where generated corpora are kept (default /tmp)")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure traced peaks per stage")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference pipeline")
    parser.add_argument(
        "--no-memory", action="store_true", help="time each run once, without the second run that samples its memory"
    )
    parser.add_argument(
        "--level",
        choices=("copies", "stories", "both"),
        default="both",
        help="which dedup cluster level to run (default both)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child == "dedup":
            result = _child_dedup(args.input)
        elif args.child == "dedup-stages":
            result = _child_dedup_stages(args.input, args.tracemalloc)
        elif args.child == "copies":
            result = _child_copies(args.input)
        elif args.child == "copies-stages":
            result = _child_copies_stages(args.input, args.tracemalloc)
        else:
            result = _child_reference(args.input, args.tracemalloc)
        json.dump(result, sys.stdout)
        return

    from dedup.eval.metrics import adjusted_rand

    totals: dict[tuple[str, str], dict[int, float]] = {}
    kinds = ("generate", "make_corpus") if args.corpus == "both" else (args.corpus,)
    for n_docs, kind in ((n, k) for n in args.docs or [10_000] for k in kinds):
        seed = args.corpus_seed if kind == "make_corpus" else args.seed
        path = _corpus(kind, n_docs, seed, Path(args.corpus_dir))
        if path is None:
            print(f"\nmake_corpus: {MAKE_CORPUS} is absent, skipped")
            continue
        with open(path, encoding="utf-8") as stream:
            families = [json.loads(line)["family"] for line in stream]
        megabytes = os.path.getsize(path) / 1e6
        print(f"\n{path}: {n_docs} documents, {megabytes:.1f} MB, {len(set(families))} families")
        seconds: dict[str, float] = {}
        if args.level in ("copies", "both"):
            copies = _run_child("copies", str(path), memory=not args.no_memory)
            stages = _run_child("copies-stages", str(path), trace=args.tracemalloc, memory=False)
            if "error" in copies or "error" in stages:
                print(f"  dedup --level copies failed: {copies.get('error') or stages.get('error')}")
            else:
                seconds["copies"] = totals.setdefault(("copies", kind), {})[n_docs] = copies["seconds"]
                _print_stages(
                    "dedup cluster --level copies, end to end (stages from its progress callback)",
                    copies["stages"],
                    n_docs,
                    megabytes,
                )
                _print_stages(
                    f"dedup --level copies, stages run apart in one process ({stages['candidates']} candidate pairs)",
                    stages["stages"],
                    n_docs,
                    megabytes,
                )
                print(
                    f"  dedup --level copies: {copies['seconds']:.2f} s, {n_docs / copies['seconds']:,.0f} docs/s, "
                    f"{_peak(copies)}, "
                    f"ARI {adjusted_rand(families, copies['labels']):.4f}"
                )
        if args.level in ("stories", "both"):
            dedup = _run_child("dedup", str(path), memory=not args.no_memory)
            stages = _run_child("dedup-stages", str(path), memory=False)
            if "error" in dedup or "error" in stages:
                print(f"  dedup failed: {dedup.get('error') or stages.get('error')}")
            else:
                seconds["stories"] = totals.setdefault(("stories", kind), {})[n_docs] = dedup["seconds"]
                _print_stages(
                    "dedup cluster (story level), end to end (stages from its progress callback)",
                    dedup["stages"],
                    n_docs,
                    megabytes,
                )
                _print_stages(
                    f"dedup story level, early stages run apart ({stages['candidates']} candidate pairs)",
                    stages["stages"],
                    n_docs,
                    megabytes,
                )
                if args.tracemalloc:
                    traced = _run_child("dedup-stages", str(path), trace=True, memory=False)
                    if "stages" in traced:
                        _print_stages(
                            "dedup early stages under tracemalloc (slower)", traced["stages"], n_docs, megabytes
                        )
                print(
                    f"  dedup story level: {dedup['seconds']:.2f} s, {n_docs / dedup['seconds']:,.0f} docs/s, "
                    f"{_peak(dedup)}, {dedup['pairs']} scored pairs, "
                    f"ARI {adjusted_rand(families, dedup['labels']):.4f}"
                )
        if args.no_reference:
            continue
        reference = _run_child("reference", str(path), memory=not args.no_memory)
        if "error" in reference:
            print(f"  reference failed: {reference['error']}")
            continue
        _print_stages("reference (datasketch + scikit-learn)", reference["stages"], n_docs, megabytes)
        if args.tracemalloc:
            traced = _run_child("reference", str(path), trace=True, memory=False)
            if "stages" in traced:
                _print_stages("reference under tracemalloc (slower)", traced["stages"], n_docs, megabytes)
        reference_ari = adjusted_rand(families, reference["labels"])
        print(
            f"  reference: {reference['seconds']:.2f} s, {n_docs / reference['seconds']:,.0f} docs/s, "
            f"{_peak(reference)}, ARI {reference_ari:.4f}"
        )
        for level, elapsed in seconds.items():
            print(f"  speed ratio dedup --level {level} / reference: {reference['seconds'] / elapsed:.2f}x")
    for (level, kind), by_size in totals.items():
        sizes = sorted(by_size)
        for small, large in zip(sizes, sizes[1:]):
            ratio = by_size[large] / by_size[small]
            print(f"\n--level {level}, {kind} corpus: {large} documents took {ratio:.1f}x the time of {small}")


if __name__ == "__main__":
    main()
