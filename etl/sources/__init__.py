"""The source registry: a new source is one new file plus one line here."""

from __future__ import annotations

from etl.sources.base import Source, SourceContext
from etl.sources.constraint import ConstraintSource
from etl.sources.gdc_counts import GdcCountsSource
from etl.sources.genes import GenesSource
from etl.sources.go import GoSource
from etl.sources.gtex import GtexSource
from etl.sources.hpo import HpoSource
from etl.sources.interactions import InteractionsSource
from etl.sources.maf import MafSource
from etl.sources.mondo import MondoSource
from etl.sources.projects import TcgaProjectsSource
from etl.sources.xena import XenaSource

#: Sources in load order: ``genes`` first (others resolve gene ids through it).
REGISTRY: dict[str, Source] = {
    source.name: source
    for source in (
        GenesSource(),
        HpoSource(),
        TcgaProjectsSource(),  # after hpo: its hereditary forms point at HPO's OMIM diseases
        MondoSource(),
        GtexSource(),
        GoSource(),
        InteractionsSource(),
        ConstraintSource(),
        MafSource(),
        XenaSource(),
        GdcCountsSource(),
    )
}

__all__ = ["REGISTRY", "Source", "SourceContext"]
