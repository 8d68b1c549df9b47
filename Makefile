# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run run-one test bench image clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Race control at http://localhost:8000, with three sector posts (:8001-:8003) and a
# semaphore (:8004) meshed on loopback, all on simulated hardware.
run: $(STAMP)
	$(VENV)/bin/raceflags demo --base-port 8000 --data-dir ./data/demo

# Just one appliance, role control.
run-one: $(STAMP)
	$(VENV)/bin/raceflags run --role control --http 127.0.0.1:8000 --data-dir ./data

test: $(STAMP)
	./tests/install-system-deps.sh
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# make image BASE=raspios-lite.img ROLE=sector SECTOR=2
image: $(STAMP)
	$(PY) -m image.build --base "$(BASE)" --role "$(ROLE)" --sector "$(SECTOR)" $(IMAGE_ARGS)

clean:
	rm -rf $(VENV) data build *.egg-info
