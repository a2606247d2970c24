from pathlib import Path

import pytest

from kg.errors import ConfigError
from kg.settings import load_settings


def test_defaults_env_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_NEO4J_URI", raising=False)
    assert load_settings().bolt_port == 7687
    cfg = tmp_path / "kg.toml"
    cfg.write_text('neo4j_uri = "bolt://127.0.0.1:7711"\n[etl]\ngtex_min_tpm = 5.0\nde_padj = 0.01\n')
    s = load_settings(cfg)
    assert (s.bolt_port, s.etl.gtex_min_tpm, s.etl.de_padj) == (7711, 5.0, 0.01)
    monkeypatch.setenv("KG_NEO4J_URI", "bolt://127.0.0.1:7722")
    monkeypatch.setenv("KG_ETL__GTEX_MIN_TPM", "2.5")
    s = load_settings(cfg)  # environment wins over the file
    assert (s.bolt_port, s.etl.gtex_min_tpm, s.etl.de_padj) == (7722, 2.5, 0.01)


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")
    monkeypatch.setenv("KG_ENVIRONMENT", "production")
    monkeypatch.setenv("KG_NEO4J_PASSWORD", "changeme")
    with pytest.raises(ConfigError, match="real secret"):
        load_settings()
    monkeypatch.setenv("KG_NEO4J_PASSWORD", "s3cret-from-vault")
    assert load_settings().environment == "production"
    monkeypatch.setenv("KG_NEO4J_URI", "http://example")
    with pytest.raises(ConfigError, match="unsupported scheme"):
        load_settings()
    monkeypatch.delenv("KG_NEO4J_URI")
    monkeypatch.setenv("KG_ETL__DE_PADJ", "2")
    with pytest.raises(ConfigError, match="de_padj"):
        load_settings()
