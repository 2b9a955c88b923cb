# Safeloop — one obvious command for each job.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export SAFELOOP_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint bench assets install clean guide-images diagram-images

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

assets:
	bash webui/assets/build.sh

run: install assets
	$(BIN)/safeloop init --demo
	$(BIN)/safeloop serve --host 127.0.0.1 --port 5000

test: install assets
	bash tests/run.sh

lint: install
	$(BIN)/python -m compileall -q engine webui tests bench

bench: install
	$(BIN)/python -m bench

guide-images:
	$(BIN)/python scripts/guide_images.py

diagram-images: install assets
	$(BIN)/python scripts/diagram_images.py

clean:
	rm -rf $(VENV) var webui/assets/node_modules webui/static/vendor
