# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run demo test bench image clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# One appliance, role control, simulated hardware, at http://localhost:8000
run: $(STAMP)
	$(VENV)/bin/raceflags run --role control --http 127.0.0.1:8000 --data-dir ./data

# Five nodes on loopback: control, three sector posts and a semaphore.
demo: $(STAMP)
	$(VENV)/bin/raceflags demo

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
