# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Debian packages: the app needs CJK TrueType fonts for the sheet PDF (明/宋 serif, 楷体, 黑体:
# review/sheets/fonts.py says why not Noto CJK); the tests also need a real browser, pdftoppm,
# a PostgreSQL server and a Redis server (they start throw-away ones of their own).
RUN_PACKAGES := fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei
TEST_PACKAGES := $(RUN_PACKAGES) chromium chromium-driver poppler-utils postgresql redis-server

.PHONY: run test install system-deps translations serve clean

run: install
	-@$(MAKE) --no-print-directory system-deps PACKAGES="$(RUN_PACKAGES)"
	$(FLASK) init-db
	$(FLASK) load-demo --if-empty
	$(MAKE) serve

# Links in mails, sheets and QR codes point at the address served unless REVIEW_BASE_URL says otherwise
# (behind a proxy, set it to the public address).
# The job worker (uploads are read, sheets rendered, mail sent in the background) runs beside
# gunicorn and stops with it.
serve:
	export REVIEW_BASE_URL="$${REVIEW_BASE_URL:-http://$(HOST):$(PORT)}"; \
	  $(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

# The tests are independent (own instance folders, random ports, own servers): one process per core.
test: install
	@$(MAKE) --no-print-directory system-deps PACKAGES="$(TEST_PACKAGES)"
	$(PY) -m pytest -n 2

install: $(VENV)/.installed translations

# torch is pinned and installed first: this machine has the CPU wheel of that release on disk,
# so pip takes it instead of a multi-GB CUDA build; elsewhere pip takes the registry's wheel
# (set PIP_INDEX_URL to a CPU-only index to avoid the CUDA build there too).
$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev,postgres]"
	touch $@

translations: $(VENV)/.installed
	$(PY) scripts/i18n.py compile

# Installs what is missing, as root or through sudo; says what to install otherwise.
system-deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install:$$missing"; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) build .pytest_cache
