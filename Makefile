PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test eval bench lint clean

$(BIN)/dedup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/dedup

# The Spark engine's extra (pyspark, pyarrow, pandas) for the tests; the demo does without it.
$(VENV)/.spark-extra: $(BIN)/dedup
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@

demo: $(BIN)/dedup
	$(BIN)/dedup cluster examples/seeds

test: $(VENV)/.spark-extra
	$(BIN)/ruff check dedup tests benchmarks
	$(BIN)/pytest

# Quality figures on ../shared/data (or $DEDUP_DATA); fails when one falls below its stored floor.
eval: $(BIN)/dedup
	@if [ ! -d ../shared/data ] && [ -z "$$DEDUP_DATA" ]; then echo "make eval: no ../shared/data, skipped"; exit 0; fi; \
	$(BIN)/dedup eval all --cv 10 --check-floors -o eval-results.txt; status=$$?; cat eval-results.txt; exit $$status

lint: $(BIN)/dedup
	$(BIN)/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
