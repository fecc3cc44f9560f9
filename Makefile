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

# Tesseract reads scanned pages, poppler's glib library the PDFs' text layers. The build still runs
# without them: scanned pages are recorded as not read, text layers are read (more slowly) with pdfium.
system-deps:
	@missing=""; \
	command -v tesseract >/dev/null 2>&1 || missing="$$missing tesseract-ocr"; \
	[ -n "$$(find /usr/lib /usr/lib64 -maxdepth 2 -name 'libpoppler-glib.so.8*' 2>/dev/null | head -1)" ] || missing="$$missing libpoppler-glib8"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; \
	  else echo "note: not installed:$$missing (sudo apt-get install$$missing): without tesseract-ocr scanned pages are not read, without libpoppler-glib8 text layers are read with pdfium"; fi; \
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
