"""Pipelines run their stages through the `dedup.engine.Engine` they are given: the same output
whatever runs the jobs, and the relate stage's jobs really go through the engine."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

import dedup
from dedup import Article, DedupConfig
from dedup.engine.local import DeferredJob, ForkedJob, LocalEngine, ordered_map
from dedup.errors import DedupError, WorkerLost
from dedup.io.readers import ArticleGate
from dedup.pipelines.cluster import run_cluster
from dedup.pipelines.copies import article_batches, run_copies


class RecordingEngine:
    """An engine that runs every job in this process, in reverse order of arrival within a call
    (results still given back in job order), and records what it was asked to run."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def map(self, function: Callable, jobs: Iterable, *, inputs: tuple = (), alongside: bool = False) -> Iterator:
        jobs = list(jobs)
        self.calls.append((function.__name__, len(jobs)))
        results = {k: function(*inputs, job) for k, job in reversed(list(enumerate(jobs)))}
        return iter([results[k] for k in range(len(jobs))])

    def start(self, function: Callable, *inputs: object) -> DeferredJob:
        self.calls.append((function.__name__, 1))
        return DeferredJob(function, inputs)


def _quiet(stage: str, advance: int) -> None:
    pass


def _one_worker() -> dict[str, str]:
    """This environment with ``DEDUP_WORKERS=1``: every job in the one process, where a test can
    see what it called."""
    import os

    return {**os.environ, "DEDUP_WORKERS": "1"}


def test_the_cluster_pipeline_aligns_through_its_engine_and_gives_the_same_result(seed_articles):
    articles = list(seed_articles.values())
    engine = RecordingEngine()
    through_engine = run_cluster(articles, DedupConfig(), _quiet, engine=engine)
    assert [name for name, _ in engine.calls] == ["_cosine_chunk", "_relate_chunk"]
    assert all(count >= 1 for _, count in engine.calls)
    assert through_engine == dedup.cluster(articles)
    assert through_engine == run_cluster(articles, DedupConfig(), _quiet, engine=LocalEngine(1))


def test_compiled_loops_are_started_before_workers_fork():
    """A worker forked after its parent started numba does not start it again (0.22 s, 44 MB).
    In a fresh interpreter, so that no earlier test has loaded the loop already."""
    import subprocess
    import sys

    script = (
        "from dedup.kernels import copy_bound, pair_dots, sorted_common_count\n"
        "from dedup.pipelines.cluster import start_compiled_loops\n"
        "assert not pair_dots.signatures and not sorted_common_count.signatures and not copy_bound.signatures\n"
        "start_compiled_loops()\n"
        "assert pair_dots.signatures and sorted_common_count.signatures\n"  # loaded (or compiled) here
        "assert len(copy_bound.signatures) == 1\n"
        # The alignments call the copy bound with the types it was loaded for: no second signature.
        # (300 generated articles: a few pairs reach the bound, `dedup.align.copy_ruled_out`.)
        "import dedup, dedup.align, sys\n"
        "sys.path.insert(0, '.')\n"
        "from benchmarks.generate import generate, sentence_sources\n"
        "calls = []\n"
        "bound = dedup.align.copy_bound\n"
        "dedup.align.copy_bound = lambda *args: calls.append(1) or bound(*args)\n"
        "dedup.cluster([dedup.Article(r['id'], r['text']) for r in generate(300, 3, sentence_sources(None))])\n"
        "assert calls and len(copy_bound.signatures) == 1, (len(calls), copy_bound.signatures)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, env=_one_worker())
    assert done.returncode == 0, done.stderr


def test_the_copy_pipeline_sketches_through_its_engine_and_gives_the_same_result(seed_articles):
    articles = list(seed_articles.values())
    config = DedupConfig()
    engine = RecordingEngine()
    batches = article_batches(articles, 3)
    through_engine = run_copies(batches, ArticleGate(), config, _quiet, engine=engine)
    assert engine.calls == [("_parse_and_sketch", -(-len(articles) // 3))]
    assert through_engine == dedup.cluster_copies(articles)


def test_a_local_engine_needs_a_process():
    with pytest.raises(ValueError, match="processes"):
        LocalEngine(0)


def test_a_local_engine_gives_results_in_job_order_from_two_workers():
    jobs = list(range(40))
    assert list(LocalEngine(2).map(_power, jobs, inputs=(3,))) == [job**3 for job in jobs]


def _power(exponent: int, job: int) -> int:
    return job**exponent


def _runner(pause: float, job: int) -> tuple[int, int]:
    """(job, the id of the process that ran it), after a pause that grows with the job."""
    import os
    import time

    time.sleep(pause * (job % 3))
    return job, os.getpid()


def test_a_local_engine_runs_jobs_in_this_process_too_and_keeps_job_order():
    """Two processes are this one and one forked worker: both run jobs (a worker copies the
    pages of the objects it reads; this process reads its own), results in job order."""
    import os

    results = list(LocalEngine(2).map(_runner, range(12), inputs=(0.02,)))
    assert [job for job, _ in results] == list(range(12))
    runners = {pid for _, pid in results}
    assert os.getpid() in runners and len(runners) == 2
    # Two jobs, the first still running when the second comes: one each, not both to the worker.
    two = list(LocalEngine(2).map(_runner, [1, 2], inputs=(0.2,)))
    assert [pid == os.getpid() for _, pid in two] == [False, True]


def _fails_on(bad: int, job: int) -> int:
    import time

    if job == 0:
        time.sleep(0.2)  # job 0 in the worker, still running when job 1 comes: job 1 runs here
    if job == bad:
        raise ValueError(f"job {job} failed")
    return job


@pytest.mark.parametrize("bad", [0, 1, 5])
def test_a_local_engine_raises_a_jobs_exception_wherever_it_ran(bad):
    with pytest.raises(ValueError, match=f"job {bad} failed"):
        list(LocalEngine(2).map(_fails_on, range(8), inputs=(bad,)))


def test_a_local_engine_starts_a_job_in_a_forked_child_with_two_processes_and_defers_it_with_one():
    forked = LocalEngine(2).start(_power, 3, 7)
    assert isinstance(forked, ForkedJob)
    assert forked.result() == 7**3
    assert forked.result() == 7**3  # taken once, kept
    deferred = LocalEngine(1).start(_power, 3, 7)
    assert isinstance(deferred, DeferredJob)
    assert deferred.result() == 7**3


def _arrays(size: int) -> dict:
    import numpy as np
    import scipy.sparse as sp

    return {
        "large": np.arange(size, dtype=np.int64),
        "empty": np.zeros(0, dtype=np.float32),
        "strided": np.arange(20)[::3],
        "matrix": sp.random(300, 200, density=0.05, format="csr", random_state=1, dtype=np.float32),
        "text": "not an array",
    }


def test_a_forked_job_sends_arrays_and_sparse_matrices_back_out_of_band_unchanged():
    """A result's large buffers go through a raw pipe into the parent's memory: the same values,
    writable (the sentence tables' scratch arrays are written after they come back)."""
    import numpy as np

    got = LocalEngine(2).start(_arrays, 3_000_000).result()
    expected = _arrays(3_000_000)
    for key in ("large", "empty", "strided"):
        assert got[key].dtype == expected[key].dtype and np.array_equal(got[key], expected[key])
    assert (got["matrix"] != expected["matrix"]).nnz == 0 and got["matrix"].dtype == np.float32
    assert got["text"] == "not an array"
    got["large"][0] = -1  # writable


def _fail(message: str) -> None:
    raise ValueError(message)


def test_a_forked_job_raises_the_childs_exception_with_its_traceback_as_a_note():
    job = LocalEngine(2).start(_fail, "bad tables")
    with pytest.raises(ValueError, match="bad tables") as raised:
        job.result()
    assert any("_fail" in note and "Traceback" in note for note in raised.value.__notes__)
    with pytest.raises(ValueError, match="bad tables"):
        job.result()  # asked again: raised again, not None


def _die() -> None:
    import os

    os._exit(3)


def test_a_forked_job_whose_child_dies_raises_a_runtime_error_naming_it():
    job = LocalEngine(2).start(_die)
    with pytest.raises(RuntimeError, match=r"_die ended without a result \(exit code 3\)"):
        job.result()


def _killed() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_forked_job_whose_child_is_killed_says_so_and_what_to_try():
    """A child killed from outside (the system's out-of-memory killer) is a `WorkerLost`: a
    `DedupError` the CLI says in one line, naming the signal and what to try."""
    job = LocalEngine(2).start(_killed)
    with pytest.raises(WorkerLost, match=r"_killed ended without a result \(killed by signal 9, .*DEDUP_WORKERS=1"):
        job.result()


def _killed_in_a_worker(parent: int, job: int) -> int:
    """A job that kills the worker running it (any process but the one that made the pool)."""
    import os
    import signal

    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return 2 * job


@pytest.mark.parametrize("here", [True, False])
def test_a_map_whose_worker_is_killed_raises_instead_of_waiting_forever(here):
    """With `multiprocessing.Pool` the lost job's result was waited for forever (the pool replaces
    the worker, not its job); now every job the dead worker held fails, as a `WorkerLost`."""
    import os

    results = ordered_map(_killed_in_a_worker, range(12), 2, in_flight=4, inputs=(os.getpid(),), here=here)
    with _fails_after(60), pytest.raises(WorkerLost, match="running _killed_in_a_worker ended without its result"):
        list(results)


@contextlib.contextmanager
def _fails_after(seconds: int) -> Iterator[None]:
    """A hang inside the block fails the test (an alarm) instead of holding the suite forever."""
    import signal

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_map_whose_worker_is_killed_is_a_dedup_error_at_the_command_line(tmp_path, monkeypatch):
    """`dedup cluster` whose cosine worker is killed: one line naming what happened, exit status 2."""
    import json
    import os

    from click.testing import CliRunner

    import dedup.pipelines.cluster as cluster_pipeline
    from dedup.cli import main

    parent = os.getpid()

    def killed_cosines(document_space, pairs, chunk):
        if os.getpid() != parent:
            _killed()
        return document_space.cosine(pairs[chunk[0] : chunk[1]])

    text = "The council approved the new bridge on Monday after a long debate. Work starts in May."
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": f"a{k}", "text": text}) + "\n" for k in range(5)))
    monkeypatch.setenv("DEDUP_WORKERS", "2")
    monkeypatch.setattr(cluster_pipeline, "_COSINE_CHUNK", 1)  # a job a pair: the worker gets some
    monkeypatch.setattr(cluster_pipeline, "_cosine_chunk", killed_cosines)
    with _fails_after(60):
        result = CliRunner().invoke(main, ["cluster", str(batch)])
    assert result.exit_code == 2, result.output
    assert "dedup: error: a worker process running" in result.output
    assert "DEDUP_WORKERS=1" in result.output
    assert "Traceback" not in result.output
    assert issubclass(WorkerLost, DedupError)


def _exit_before_buffers(descriptor: int, view: memoryview) -> None:
    """`_write_all` in a child that dies after sending its result's pickle, before its buffers."""
    import os

    os._exit(4)


def test_a_forked_job_whose_child_dies_between_the_two_pipes_raises_a_runtime_error(monkeypatch):
    """The pickle came through the first pipe and the buffers' sizes with it, the buffers never
    came through the second: an error naming the job, not a hang or a half-filled array."""
    import dedup.engine.local as local

    monkeypatch.setattr(local, "_write_all", _exit_before_buffers)  # the child is forked with it
    job = LocalEngine(2).start(_arrays, 1_000_000)
    with pytest.raises(RuntimeError, match=r"_arrays ended without a result \(exit code 4\)"):
        job.result()


def _sleep_then(value: int) -> int:
    import time

    time.sleep(60)
    return value


def test_a_cancelled_forked_job_stops_its_child():
    job = LocalEngine(2).start(_sleep_then, 1)
    job.cancel()
    assert not job._process.is_alive()
    job.cancel()  # twice: nothing
    with pytest.raises(RuntimeError, match="_sleep_then was cancelled"):
        job.result()


def test_a_forked_job_dropped_unused_stops_its_child_and_closes_its_pipes():
    import gc
    import os

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    gc.collect()  # earlier tests' processes and pipes, collected now rather than in the middle
    before = open_descriptors()
    job = LocalEngine(2).start(_sleep_then, 1)
    child = job._process.pid
    assert open_descriptors() > before
    del job
    gc.collect()
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(child, 0)
    assert open_descriptors() == before
    taken = LocalEngine(2).start(_arrays, 10)
    taken.result()
    del taken
    gc.collect()  # taken, then dropped: closed once, nothing left to close
    assert open_descriptors() == before


def test_the_cluster_pipeline_builds_its_sentence_tables_alongside_with_the_same_result(seed_articles, monkeypatch):
    """A batch of `_TABLES_ALONGSIDE_FROM` articles or more builds its sentence tables in a forked
    child (`Engine.start`) while the candidate stage runs: the same result as built in place."""
    import dedup.pipelines.cluster as cluster_pipeline

    articles = list(seed_articles.values())
    engine = RecordingEngine()
    in_place = run_cluster(articles, DedupConfig(), _quiet, engine=engine)
    assert "SentenceTables" not in [name for name, _ in engine.calls]
    monkeypatch.setattr(cluster_pipeline, "_TABLES_ALONGSIDE_FROM", 2)
    engine = RecordingEngine()
    assert run_cluster(articles, DedupConfig(), _quiet, engine=engine) == in_place
    assert [name for name, _ in engine.calls] == ["SentenceTables", "_cosine_chunk", "_relate_chunk"]
    assert run_cluster(articles, DedupConfig(), _quiet, engine=LocalEngine(2)) == in_place


def test_a_one_article_batch_gives_the_engine_no_job():
    engine = RecordingEngine()
    only = Article("only", "One short article about nothing much.")
    result = run_cluster([only], DedupConfig(), _quiet, engine=engine)
    assert engine.calls == [("_cosine_chunk", 0), ("_relate_chunk", 0)]
    assert [group.canonical for group in result.groups] == ["only"]


def test_prepare_all_pauses_the_cyclic_collector_and_restores_it():
    """The prepare stage makes millions of lasting objects and no cycles: full collections walking
    them all slowed it as batches grew, so it pauses the collector, and gives it back as it was."""
    import gc

    from dedup.stages.prepare import prepare_all

    seen: list[bool] = []
    articles = [Article(f"a{k}", f"Sentence number {k} of the batch. And one more.") for k in range(3)]
    assert gc.isenabled()
    documents = prepare_all(articles, lambda stage, advance: seen.append(gc.isenabled()))
    assert len(documents) == 3 and seen == [False, False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        prepare_all(articles)
        assert not gc.isenabled()  # a caller's own choice stands
    finally:
        gc.enable()


def test_the_cluster_pipeline_runs_with_the_collector_paused_and_gives_it_back():
    import gc

    seen: list[bool] = []
    articles = [Article(f"a{k}", f"Sentence number {k} of the batch. And one more.") for k in range(3)]
    run_cluster(articles, DedupConfig(), lambda stage, advance: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()


def _generated_articles(count: int) -> list[Article]:
    """`count` articles of `benchmarks/generate.py` (families of edited copies, seed 5)."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.generate import generate, sentence_sources

    records = generate(count, 5, sentence_sources(None))
    return [Article(id=record["id"], text=record["text"], published=record["published"]) for record in records]


def test_a_large_batch_is_laid_out_through_the_engine_into_the_same_documents():
    """From `_LAYOUT_ALONGSIDE_FROM` articles on, the texts are laid out by the engine's jobs and
    the documents built from those layouts are the documents `prepare` makes of each article."""
    from dedup.pipelines.cluster import _LAYOUT_ALONGSIDE_FROM, _LAYOUT_CHUNK, laid_out
    from dedup.stages.prepare import prepare_all
    from dedup.text import prepare

    articles = _generated_articles(_LAYOUT_ALONGSIDE_FROM + 7)
    engine = RecordingEngine()
    built = prepare_all(articles, layouts=laid_out(articles, engine))
    chunks = -(-len(articles) // _LAYOUT_CHUNK)
    assert engine.calls == [("lay_out_chunk", chunks)]
    assert built == prepare_all(articles) == [prepare(article) for article in articles]
    assert built == prepare_all(articles, layouts=laid_out(articles, LocalEngine(2)))
    assert laid_out(articles[: _LAYOUT_ALONGSIDE_FROM - 1], engine) is None  # prepared in place
    assert len(engine.calls) == 1


def test_layouts_must_match_the_articles_one_for_one(seed_articles):
    from dedup.stages.prepare import prepare_all
    from dedup.text import lay_out

    articles = list(seed_articles.values())
    layouts = [lay_out(article.text) for article in articles]
    assert prepare_all(articles, layouts=iter(layouts)) == prepare_all(articles)
    with pytest.raises(ValueError, match="fewer layouts than articles"):
        prepare_all(articles, layouts=layouts[:-1])
    with pytest.raises(ValueError, match="more layouts than the"):
        prepare_all(articles, layouts=layouts + layouts[:1])
