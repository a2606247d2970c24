"""Phenopacket reading (v2 and v1) and term resolution, on a real phenopacket-store file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.patient import Patient, PhenopacketError, TermResolver, phenopacket_files, read_phenopacket

FIXTURES = Path(__file__).parent.parent / "fixtures" / "phenopackets"
V2 = FIXTURES / "PMID_10756346_Patient_B13.json"
V1 = FIXTURES / "v1" / "PMID_10756346_Patient_B13.json"
OBSERVED = (
    "HP:0001166",  # arachnodactyly
    "HP:0000768",
    "HP:0002616",
    "HP:0001083",
    "HP:0001382",
    "HP:0001634",
    "HP:0001519",
)


def test_a_real_v2_phenopacket_gives_observed_and_excluded_terms_and_the_diagnosis() -> None:
    p = read_phenopacket(V2)
    assert p.id == "PMID_10756346_Patient_B13"
    assert p.observed == OBSERVED
    assert len(p.excluded) == 11 and "HP:0004970" in p.excluded and "HP:0001166" not in p.excluded
    assert (p.sex, p.age) == ("MALE", "P13Y")
    assert p.diseases == ("OMIM:154700",) and p.genes == ("FBN1",)
    assert p.references == ("PMID:10756346",) and p.pmids == [10756346]
    assert p.hpo_version == "2025-10-22" and p.file == str(V2)


def test_the_v1_form_of_the_same_patient_reads_the_same() -> None:
    v1, v2 = read_phenopacket(V1), read_phenopacket(V2)
    assert (v1.observed, v1.excluded, v1.genes, v1.diseases) == (v2.observed, v2.excluded, v2.genes, v2.diseases)
    assert v1.age == "P13Y" and v1.hpo_version == "2019-04-15"


def test_a_dict_and_a_json_string_read_like_the_file() -> None:
    doc = json.loads(V2.read_text())
    assert read_phenopacket(doc).observed == OBSERVED
    assert read_phenopacket(V2.read_text()).excluded == read_phenopacket(V2).excluded


def _bad(tmp_path: Path, doc: object | str) -> PhenopacketError:
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(PhenopacketError) as info:
        read_phenopacket(path)
    assert info.value.file == str(path)
    return info.value


def test_malformed_json_names_the_file_and_position(tmp_path: Path) -> None:
    error = _bad(tmp_path, '{"id": "x", "phenotypicFeatures": [')
    assert error.path == "$" and "malformed JSON at line 1" in error.reason


def test_a_term_that_is_not_hpo_names_its_json_path(tmp_path: Path) -> None:
    doc = json.loads(V2.read_text())
    doc["phenotypicFeatures"][3]["type"]["id"] = "MP:0001234"
    error = _bad(tmp_path, doc)
    assert error.path == "$.phenotypicFeatures[3].type.id"
    assert "'MP:0001234' is not an HPO term" in str(error)


def test_a_feature_without_a_type_names_its_json_path(tmp_path: Path) -> None:
    error = _bad(tmp_path, {"id": "x", "phenotypicFeatures": [{"type": {"id": "HP:0001166"}}, {"excluded": True}]})
    assert error.path == "$.phenotypicFeatures[1].type"


def test_only_excluded_terms_is_an_empty_phenotype_list(tmp_path: Path) -> None:
    doc = {"id": "x", "phenotypicFeatures": [{"type": {"id": "HP:0001166"}, "excluded": True}]}
    error = _bad(tmp_path, doc)
    assert error.path == "$.phenotypicFeatures" and "only 1 excluded" in error.reason
    assert "no observed phenotype" in _bad(tmp_path, {"id": "x", "phenotypicFeatures": []}).reason


def test_term_lists_are_checked_like_phenopackets() -> None:
    p = Patient.of_terms(["hp:0001166", "HP:0001166", "HP:0000768"], ["HP:0001166", "HP:0002650"])
    assert p.observed == ("HP:0001166", "HP:0000768") and p.excluded == ("HP:0002650",)
    with pytest.raises(PhenopacketError, match=r"\$\.excluded\[0\].*'OMIM:154700' is not an HPO term"):
        Patient.of_terms(["HP:0001166"], ["OMIM:154700"])
    with pytest.raises(PhenopacketError, match="no observed phenotype"):
        Patient.of_terms([], ["HP:0001166"])


def test_obsolete_and_alternative_ids_are_replaced_and_reported() -> None:
    resolver = TermResolver(["HP:0001166", "HP:0000768", "HP:0002650"], {"HP:0001500": "HP:0001166"}, "2025-01-16")
    p = resolver.resolve(Patient("p", ("HP:0001500", "HP:0000768", "HP:9999999"), ("HP:0002650",), hpo_version="x"))
    assert p.observed == ("HP:0001166", "HP:0000768") and p.excluded == ("HP:0002650",)
    assert any("HP:0001500 is obsolete or an alternative id: replaced by HP:0001166" in n for n in p.notes)
    assert any("observed term HP:9999999 is not in HPO 2025-01-16: ignored" in n for n in p.notes)
    assert any("annotated with HPO x" in n for n in p.notes)
    with pytest.raises(PhenopacketError, match="none of the observed terms"):
        resolver.resolve(Patient("p", ("HP:9999999",)))


def test_a_folder_lists_its_phenopackets_recursively(tmp_path: Path) -> None:
    assert phenopacket_files(FIXTURES) == [V2, V1]
    with pytest.raises(PhenopacketError, match="no \\*.json phenopacket"):
        phenopacket_files(tmp_path)
