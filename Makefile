PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test eval bench lint clean

$(BIN)/dedup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/dedup

demo: $(BIN)/dedup
	$(BIN)/dedup cluster examples/seeds

test: $(BIN)/dedup
	$(BIN)/ruff check dedup tests benchmarks
	$(BIN)/pytest

lint: $(BIN)/dedup
	$(BIN)/ruff check dedup tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
