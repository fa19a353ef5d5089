# syntax=docker/dockerfile:1
# The action's image.
#   default target "runtime": every gate except the adversarial engine (small: no PyTorch);
#   target "adversarial": the same plus NVIDIA garak on a CPU-only PyTorch.
# The composite action (action.yml) builds or pulls this image and runs it with the runner's
# own uid, the workspace and the runner's file-command directory mounted at the same paths.
FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the trust paths read manifests and baselines from the pull request's base commit.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.* \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/secure-ai-gates
COPY requirements/action.txt requirements.txt
RUN python -m pip install --no-cache-dir -r requirements.txt

COPY pyproject.toml README.md entrypoint.py ./
COPY gates ./gates
RUN python -m pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 1001 gates \
    && git config --system --add safe.directory '*'

USER 1001
# -I: nothing from the working directory (the mounted workspace) or PYTHON* variables can stand in
# for a module of ours; -u and -B replace PYTHONUNBUFFERED/PYTHONDONTWRITEBYTECODE, which -I ignores.
ENTRYPOINT ["python", "-I", "-B", "-u", "/opt/secure-ai-gates/entrypoint.py"]
CMD ["run"]

FROM runtime AS adversarial
USER 0
# CPU wheels of PyTorch first, so garak does not pull the CUDA build (several GB).
RUN python -m pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.5.1" \
    && python -m pip install --no-cache-dir "garak==0.17.1"
USER 1001
