#!/usr/bin/env bash
# The main job end to end on the shipped data: install, start Neo4j, run the ETL, query.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
kg neo4j start
time kg etl run
kg etl status
kg cypher "MATCH (g:Gene)-[m:MUTATED_IN]->(d:Disease {tcga_project: \$p}) RETURN g.symbol AS gene, m.frequency AS frequency, m.synthetic AS synthetic ORDER BY frequency DESC LIMIT 5" --param p=TCGA-BRCA
echo "Neo4j keeps running at bolt://127.0.0.1:7687 (stop it with: .venv/bin/kg neo4j stop)"
