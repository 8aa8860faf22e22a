# Everything a person runs. `make run` and `make test` work on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrations-check bench venv system-deps browser-deps clean

$(BIN)/activate:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing python3-venv"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "Python's venv module is missing: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q ".[dev]"
	touch $@

venv: $(VENV)/.installed

# System libraries: WeasyPrint's Pango and HarfBuzz subsetter (fast font subsetting), a Chinese font, the
# HanaMin fonts (rare characters of CJK Ext A/B on certificates), and Debian's chromium for the browser tests.
# Installed with apt-get when missing and we may (root); otherwise the browser tests skip with the reason printed.
system-deps:
	@need=""; \
	[ -e /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0 ] || [ -e /usr/lib/aarch64-linux-gnu/libpango-1.0.so.0 ] || need="$$need libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi -e wqy -e "noto sans cjk" -e "noto serif cjk" || need="$$need fonts-wqy-microhei"; \
	fc-list 2>/dev/null | grep -qi hanamin || need="$$need fonts-hanazono"; \
	ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || need="$$need libharfbuzz-subset0"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages:$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  else echo "NOTE: missing system packages:$$need (install them with apt-get as root)"; fi; \
	fi

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || echo "NOTE: could not install chromium; browser tests will be skipped"; \
	  else echo "NOTE: /usr/bin/chromium missing and not root; browser tests will be skipped"; fi; \
	fi

run: venv system-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv system-deps browser-deps
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: venv system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .test-media staticfiles
