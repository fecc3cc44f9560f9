# Two commands on a fresh machine:
#   make demo   builds the knowledge base from the bundled samples and serves it on http://127.0.0.1:8001
#   make test   runs the test suite
# Both create the virtualenv .venv and install what they need into it.

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8001

.PHONY: demo build serve test system-deps clean

$(BIN)/fda483: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Tesseract reads scanned pages; the build still runs without it, recording those pages as not read.
system-deps:
	@if ! command -v tesseract >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq tesseract-ocr; \
	  else echo "note: tesseract is not installed (sudo apt-get install tesseract-ocr); scanned pages will not be read"; fi; \
	fi

build: $(BIN)/fda483 system-deps
	$(BIN)/fda483 build

serve: $(BIN)/fda483
	$(BIN)/fda483 serve -p $(PORT)

demo: build serve

test: $(BIN)/fda483 system-deps
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) data/fda483.db data/fda483.db-wal data/fda483.db-shm
