# The two commands of the README's first screen:
#   make run    install into .venv, ingest the bundled sample, answer a question, serve the chat page
#   make test   install into .venv (with test extras) and run the whole test suite
# TORCH_INDEX: on an ordinary Linux machine, `make run TORCH_INDEX=https://download.pytorch.org/whl/cpu`
# installs the CPU-only torch build instead of the default CUDA one.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
QUESTION ?= 中标通知书发出后多久要签合同？
TORCH_INDEX ?=
PIP_TORCH_FLAGS := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX),)

.PHONY: run test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_TORCH_FLAGS) "torch==2.13.0"
	$(BIN)/pip install $(PIP_TORCH_FLAGS) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 8000

run: $(STAMP)
	$(BIN)/chunfeng ingest samples/policies --kb $(DATA)
	$(BIN)/chunfeng ask "$(QUESTION)" --kb $(DATA)
	$(BIN)/chunfeng serve --kb $(DATA) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m eval.bench --out docs/benchmarks.md

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache
