from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate, reference  # noqa: E402
from dedup.text import normalise, split_sentences  # noqa: E402

SOURCES = generate.sentence_sources(None)


def sentences_of(text: str) -> set[str]:
    body = normalise(text)
    return {body[start:end] for start, end in split_sentences(body)}


def test_examples_alone_give_a_sentence_pool():
    assert len(SOURCES) == 5
    assert sum(map(len, SOURCES)) > 50


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another(tmp_path):
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    generate.main(["--docs", "40", "--seed", "3", "-o", str(first), "--examples-only"])
    generate.main(["--docs", "40", "--seed", "3", "-o", str(second), "--examples-only"])
    generate.main(["--docs", "40", "--seed", "4", "-o", str(other), "--examples-only"])
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    records = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 40
    assert len({r["id"] for r in records}) == 40
    assert all(r["text"].strip() and r["published"].endswith("Z") and r["family"] for r in records)


def test_copies_are_published_after_their_base_and_are_closest_to_it():
    records = list(generate.generate(120, 7, SOURCES))
    families: dict[str, list[dict]] = {}
    for record in records:
        families.setdefault(record["family"], []).append(record)
    assert any(len(members) >= 3 for members in families.values())
    assert any(len(members) == 1 for members in families.values())
    bases = {}
    for label, members in families.items():
        members.sort(key=lambda r: r["published"])
        bases[label] = sentences_of(members[0]["text"])
    for label, members in families.items():
        for copy in members[1:]:
            assert copy["published"] > members[0]["published"]
            shared = {other: len(sentences_of(copy["text"]) & base) for other, base in bases.items()}
            assert max(shared, key=shared.get) == label
            assert shared[label] >= 1


def test_copies_differ_from_their_base_by_the_documented_edits():
    records = list(generate.generate(200, 11, SOURCES))
    families: dict[str, list[dict]] = {}
    for record in records:
        families.setdefault(record["family"], []).append(record)
    changed = 0
    for members in families.values():
        members.sort(key=lambda r: r["published"])
        base = sentences_of(members[0]["text"])
        for copy in members[1:]:
            changed += sentences_of(copy["text"]) != base
    assert changed > 0


def test_reference_pipeline_joins_copies_and_keeps_unrelated_texts_apart():
    records = list(generate.generate(60, 5, SOURCES))
    texts = [r["text"] for r in records]
    duplicate = texts[0]
    labels = reference.reference_cluster(texts + [duplicate])
    assert len(labels) == len(texts) + 1
    assert labels[0] == labels[-1]
    singletons = [i for i, r in enumerate(records) if sum(x["family"] == r["family"] for x in records) == 1]
    assert len({labels[i] for i in singletons}) == len(singletons)
    assert isinstance(labels, np.ndarray)


def test_tree_memory_counts_a_forked_childs_memory_once_in_pss():
    from benchmarks.memory import run_measured

    code = (
        "import os, time\n"
        "block = bytearray(60_000_000)\n"
        "block[::4096] = b'x' * len(block[::4096])\n"
        "if os.fork() == 0:\n"
        "    time.sleep(0.6); os._exit(0)\n"
        "time.sleep(0.6); os.wait()\n"
    )
    completed, peak = run_measured([sys.executable, "-c", code], interval=0.05)
    assert completed.returncode == 0
    assert peak.processes == 2
    # The child shares the parent's 60 MB: summed RSS counts them twice, PSS once.
    assert 60e6 <= peak.pss < 110e6
    assert peak.rss >= 115e6


def test_tree_memory_gives_each_stretch_of_time_its_own_peak():
    from benchmarks.memory import run_measured

    code = (
        "import time\n"
        "print(time.time(), flush=True); time.sleep(0.5)\n"
        "block = bytearray(80_000_000); block[::4096] = b'x' * len(block[::4096])\n"
        "print(time.time(), flush=True); time.sleep(0.5)\n"
    )
    completed, peak = run_measured([sys.executable, "-c", code], interval=0.05)
    assert completed.returncode == 0
    before, after = (float(line) for line in completed.stdout.split())
    assert len(peak.samples) >= 10
    assert peak.peak_between(before, before + 0.4) < 60e6  # before the block: the interpreter alone
    assert peak.peak_between(after, after + 0.4) >= 80e6
    assert peak.peak_between(after + 10, after + 20) == 0  # nothing sampled then


def test_every_name_a_benchmark_imports_from_dedup_exists():
    """The scripts are not run by the suite; a name moved inside `dedup` must not leave one of them
    broken until someone runs it."""
    import ast
    import importlib

    missing = []
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dedup"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name) and not _is_module(f"{node.module}.{alias.name}"):
                        missing.append(f"{script.name}:{node.lineno}: {alias.name} from {node.module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("dedup"):
                        importlib.import_module(alias.name)
    assert not missing, "\n".join(missing)


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False
