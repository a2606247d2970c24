"""One settings object, read once at the edge (CLI, server) and passed inward.

Values come, highest priority first, from keyword arguments, ``KG_*`` environment
variables (nested with ``__``, e.g. ``KG_ETL__MAX_REJECT_FRACTION``), a TOML config file
(``--config FILE`` or ``KG_CONFIG``) and the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kg.errors import ConfigError


class EtlSettings(BaseModel):
    """Thresholds of the ETL; every default is documented in ``docs/etl.md``."""

    max_reject_fraction: float = Field(0.01, ge=0.0, le=1.0)
    max_rejects: int = Field(1000, ge=0)
    batch_size: int = Field(10_000, ge=1)
    load_workers: int = Field(2, ge=1, le=16)
    gtex_min_tpm: float = Field(1.0, ge=0.0)
    de_padj: float = Field(0.05, gt=0.0, le=1.0)
    de_min_abs_log2fc: float = Field(1.0, ge=0.0)
    de_min_samples: int = Field(3, ge=2)
    de_normal: Literal["pooled", "tcga", "gtex"] = "pooled"
    mutation_min_patients: int = Field(1, ge=1)
    maf_project: str | None = None
    go_include_iea: bool = True
    string_min_score: int = Field(700, ge=0, le=1000)
    sources: dict[str, str] = Field(default_factory=dict)


#: The run folder every command reads or writes when none is given (``kg train --out``, ``--model``).
DEFAULT_RUN = Path("runs/latest")


class ApiSettings(BaseModel):
    """The GraphQL service (``kg serve``); limits are documented in ``docs/api.md``."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    model_dir: Path = DEFAULT_RUN
    api_keys: list[SecretStr] = Field(default_factory=list)
    graphiql: bool | None = None  # default: on locally, off in production
    max_depth: int = Field(8, ge=1)
    introspection: bool = True  # the schema is public (api/schema.graphql); off: __schema/__type refused
    max_introspection_depth: int = Field(15, ge=1)  # introspection subtrees (GraphiQL's query needs 13)
    max_aliases: int = Field(15, ge=1)
    max_tokens: int = Field(1500, ge=10)
    max_first: int = Field(100, ge=1)
    max_cost: int = Field(5000, ge=1)
    neo4j_timeout_s: float = Field(2.0, gt=0)  # connect, retry window and server-side timeout of each API read
    graph_retry_s: float = Field(1.0, gt=0)  # after Neo4j was unreachable, graph fields fail at once this long
    graph_probe_timeout_s: float = Field(15.0, gt=0)  # a query's first read after an outage (cold plans)
    predictions_sync_s: float = Field(30.0, ge=0)  # how often a replica looks for a newly published set (0: never)
    evidence_ttl_s: float = Field(60.0, ge=0)
    evidence_cache_size: int = Field(200_000, ge=0)  # (gene, disease) evidence entries kept in memory
    max_top_k: int = Field(20, ge=1)  # explanation paths per explain
    max_phenotype_terms: int = Field(100, ge=1)  # HPO terms per candidateGenesForPhenotypes
    response_cache: bool = True  # whole-response cache of GraphQL queries (api/cache.py)
    response_cache_size: int = Field(10_000, ge=1)  # responses kept (LRU)
    response_cache_recheck_s: float = Field(2.0, ge=0)  # how often the loaded sources are re-read
    explorer: bool = True  # the explorer page at /explore/ (static files; its data comes from /graphql)


class Settings(BaseSettings):
    """Connection and run settings of kg."""

    model_config = SettingsConfigDict(env_prefix="KG_", env_nested_delimiter="__", extra="ignore", toml_file=None)

    environment: Literal["local", "production"] = "local"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    home: Path = Path(".kg")
    predictions_file: Path | None = None  # this machine's prediction store (default: <home>/predictions.sqlite)
    neo4j_heap_mb: int = Field(2048, ge=256)
    neo4j_pagecache_mb: int = Field(1024, ge=64)
    neo4j_tx_log_retention: str = Field(
        "1G size", pattern=r"^(keep_all|keep_none|true|false|\d+[kKmMgG]? (files|size|txs|entries|hours|days))$"
    )
    etl: EtlSettings = Field(default_factory=EtlSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Priority: init kwargs, environment, TOML file, defaults."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment != "local":
            password = self.neo4j_password.get_secret_value()
            if not password or password in {"changeme", "neo4j", "password"}:
                raise ValueError("KG_NEO4J_PASSWORD must be set to a real secret outside local")
        parsed = urlparse(self.neo4j_uri)
        if parsed.scheme not in {"bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"}:
            raise ValueError(f"KG_NEO4J_URI has unsupported scheme: {self.neo4j_uri!r}")
        return self

    @property
    def prediction_store(self) -> Path:
        """The SQLite prediction store of this machine (an API replica's own copy of the published set)."""
        return self.predictions_file or self.home / "predictions.sqlite"

    @property
    def bolt_host(self) -> str:
        """Host part of the Bolt URI."""
        return urlparse(self.neo4j_uri).hostname or "127.0.0.1"

    @property
    def bolt_port(self) -> int:
        """Port part of the Bolt URI (7687 when absent)."""
        return urlparse(self.neo4j_uri).port or 7687


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Build the settings from ``config_file`` (or ``KG_CONFIG``), the environment and overrides.

    Raises:
        ConfigError: if the file is missing or a value is invalid.
    """
    path = config_file or (Path(os.environ["KG_CONFIG"]) if os.environ.get("KG_CONFIG") else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"config file not found: {path}")

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "toml_file": path})

    try:
        return _FileSettings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
