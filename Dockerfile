# Image of the kg CLI/API for docker-compose deployments.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY kg kg
COPY etl etl
COPY gnn gnn
COPY api api
# torch's CPU wheels suffice for serving (explanations and phenotype ranking run on CPU)
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -c requirements.lock ".[api,gnn]"
ENV KG_HOME=/data/kg KG_API__MODEL_DIR=/data/kg/runs/latest
USER nobody
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
