# Image of the kg CLI/API for docker-compose deployments.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY kg kg
COPY etl etl
COPY gnn gnn
COPY api api
RUN pip install --no-cache-dir -c requirements.lock .
USER nobody
