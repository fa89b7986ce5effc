# Entry points. The README names two of them: `make demo` (the main job) and `make test` (everything CI runs).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.synced

.PHONY: demo test controlplane stacks schemas lock env clean

$(STAMP): requirements.lock pyproject.toml
	@bash scripts/bootstrap-env

env: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/vdx demo

test: $(STAMP)
	$(VENV)/bin/ruff check operator tests
	$(VENV)/bin/ruff format --check operator tests
	$(VENV)/bin/mypy
	$(VENV)/bin/vdx schemas --check
	$(VENV)/bin/vdx monitoring --check
	$(VENV)/bin/vdx controlplane build
	$(VENV)/bin/vdx stacks build
	@bash scripts/fetch-nginx-rtmp --if-missing || echo "nginx with the RTMP module is not available here: the nginx -t test will skip"
	@bash scripts/fetch-coturn --if-missing || echo "coturn is not available here: the probe tests against a real TURN server will skip"
	@bash scripts/fetch-prometheus --if-missing || echo "Debian's prometheus (promtool and the server) is not available here: the alert tests will skip"
	@bash scripts/fetch-lua --if-missing || echo "not every Lua interpreter is available here (Debian's lua5.1 and lua5.4, gopher-lua built with Go): the Argo CD health tests skip in the missing ones"
	$(VENV)/bin/python -m pytest

# etcd + kube-apiserver + kubectl from the Go module proxy, once, into the user cache.
controlplane: $(STAMP)
	$(VENV)/bin/vdx controlplane build

# The Pulumi CLI + Kubernetes provider plugin from the Go module proxy, once, into the user cache.
stacks: $(STAMP)
	$(VENV)/bin/vdx stacks build

schemas: $(STAMP)
	$(VENV)/bin/vdx schemas

# Re-pin every dependency; the lock records hashes only, never download addresses.
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
