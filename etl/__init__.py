"""ETL: source adapters (pure generators of kg records) and the pipeline that loads them."""
