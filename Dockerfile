# Worker image for Dataflow: --sdk_container_image REGION-docker.pkg.dev/PROJECT/REPO/textwash:TAG
# (built and pushed with: gcloud builds submit --tag REGION-docker.pkg.dev/PROJECT/REPO/textwash:TAG .)
#
# The base image must carry the same Beam and Python versions as the launcher that submits the
# job (pyproject.toml pins apache-beam; tests/test_dataflow.py checks that these agree).
FROM apache/beam_python3.11_sdk:2.77.0

WORKDIR /opt/textwash
COPY pyproject.toml README.md ./
COPY pipeline/ pipeline/
COPY transforms/ transforms/
COPY configs/ configs/
# textwash and its runtime dependencies; apache-beam (with the gcp extra) already comes with
# the base image at the pinned version, so pip keeps it.
RUN pip install --no-cache-dir . \
    && python -c "import pipeline.config, transforms.read; pipeline.config.load_config()"

# Freed memory goes back to the OS sooner (see pipeline/memory.py); output is unchanged.
ENV MALLOC_TRIM_THRESHOLD_=65536

# The entrypoint stays the Beam SDK harness boot program of the base image.
