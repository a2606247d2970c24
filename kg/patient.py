"""Patients: GA4GH Phenopackets (v2, and the v1 files still in circulation) and bare term lists.

A :class:`Patient` is what every ranking reads: the observed HPO terms, the excluded ones (the
patient was examined for them and does not have them), and, when the file says so, the diagnosis
(diseases, causative genes) and the papers it comes from. :class:`TermResolver` maps a patient's
terms onto one HPO release: an alternative or obsolete id becomes the term that replaced it, a
term the release does not have is dropped, and each change is reported.

Errors name the file and the JSON path of the field at fault (``$.phenotypicFeatures[3].type.id``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kg.errors import KGError

_HPO = re.compile(r"^HP:\d{7}$")
_PMID = re.compile(r"^PMID:\s*(\d+)$", re.IGNORECASE)


class PhenopacketError(KGError):
    """A phenopacket or phenotype list that cannot be read.

    Args:
        file: The file (or ``<input>`` for a dict or a string).
        path: JSON path of the field at fault (``$`` for the whole document).
        reason: What is wrong, echoing the bad value.
    """

    def __init__(self, file: str, path: str, reason: str) -> None:
        self.file, self.path, self.reason = file, path, reason
        super().__init__(f"{file} {path}: {reason}")


@dataclass(frozen=True)
class Patient:
    """One patient's phenotypes and, when known, diagnosis.

    Args:
        id: The phenopacket's id (or a given label).
        observed: HPO terms the patient has.
        excluded: HPO terms the patient was found not to have.
        sex: ``MALE``, ``FEMALE``, ``OTHER_SEX`` or ``UNKNOWN_SEX`` when given.
        age: ISO 8601 duration of the last encounter (``P13Y``) when given.
        diseases: Diagnosed disease ids (OMIM, ORPHA, MONDO, …).
        genes: Causative gene symbols.
        references: PMIDs (``PMID:123``) of the publications the patient comes from.
        hpo_version: Version of HPO the file was annotated with, when it says.
        file: Where the patient was read from.
        notes: What reading or resolving the terms changed (obsolete ids replaced, terms dropped).
    """

    id: str
    observed: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    sex: str | None = None
    age: str | None = None
    diseases: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    hpo_version: str | None = None
    file: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def pmids(self) -> list[int]:
        """The numeric PMIDs of :attr:`references`."""
        return [int(m.group(1)) for r in self.references if (m := _PMID.match(r))]

    def to_json(self) -> dict[str, Any]:
        """The patient as a request carries it (``kg rank``/``kg diagnose`` to their worker, the API)."""
        return {
            "id": self.id,
            "observed": list(self.observed),
            "excluded": list(self.excluded),
            "hpo_version": self.hpo_version,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Patient:
        """The patient of :meth:`to_json` (terms checked again)."""
        checked = cls.of_terms(raw.get("observed") or [], raw.get("excluded") or [], id=str(raw.get("id") or "patient"))
        return replace(checked, hpo_version=raw.get("hpo_version"), notes=tuple(raw.get("notes") or ()))

    @classmethod
    def of_terms(cls, observed: Sequence[str], excluded: Sequence[str] = (), id: str = "patient") -> Patient:
        """A patient from bare term lists (checked like a phenopacket's; the JSON path names the list)."""
        obs = tuple(_term(t, "<input>", f"$.observed[{i}]") for i, t in enumerate(observed))
        exc = tuple(_term(t, "<input>", f"$.excluded[{i}]") for i, t in enumerate(excluded))
        if not obs:
            raise PhenopacketError("<input>", "$.observed", "no observed phenotype: give at least one HPO term")
        return cls(id, _unique(obs), _unique(t for t in exc if t not in obs))


def read_phenopacket(source: Path | str | Mapping[str, Any]) -> Patient:
    """Read one phenopacket (v2 or v1) from a file path, a JSON string or a parsed dict.

    Raises:
        PhenopacketError: malformed JSON, a term that is not HPO, no observed phenotype.
    """
    name = "<input>"
    if isinstance(source, Mapping):
        doc: Any = source
    else:
        text = source if isinstance(source, str) and source.lstrip().startswith("{") else None
        if text is None:
            path = Path(source)
            name = str(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PhenopacketError(name, "$", f"cannot read the file: {exc}") from exc
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            raise PhenopacketError(name, "$", reason) from exc
    if not isinstance(doc, Mapping):
        raise PhenopacketError(name, "$", f"expected a JSON object, got {type(doc).__name__}")
    return _patient(doc, name)


def read_phenopackets(location: Path) -> Iterator[Patient]:
    """Every phenopacket of a file or a folder (:func:`phenopacket_files`)."""
    for f in phenopacket_files(location):
        yield read_phenopacket(f)


def phenopacket_files(location: Path) -> list[Path]:
    """The phenopacket files of a file or a folder (``*.json``, recursively, in path order)."""
    if location.is_dir():
        files = sorted(location.rglob("*.json"))
        if not files:
            raise PhenopacketError(str(location), "$", "no *.json phenopacket in this folder")
        return files
    if not location.is_file():
        raise PhenopacketError(str(location), "$", "no such file or folder")
    return [location]


def _patient(doc: Mapping[str, Any], name: str) -> Patient:
    features = doc.get("phenotypicFeatures", [])
    if not isinstance(features, list):
        raise PhenopacketError(name, "$.phenotypicFeatures", "expected a list")
    observed: list[str] = []
    excluded: list[str] = []
    for i, feature in enumerate(features):
        where = f"$.phenotypicFeatures[{i}]"
        if not isinstance(feature, Mapping) or not isinstance(feature.get("type"), Mapping):
            raise PhenopacketError(name, where + ".type", "expected an ontology class {id, label}")
        term = _term(feature["type"].get("id"), name, where + ".type.id")
        # v2 says "excluded", v1 said "negated"
        (excluded if feature.get("excluded") or feature.get("negated") else observed).append(term)
    if not observed:
        reason = "no observed phenotype" + (f" (only {len(excluded)} excluded)" if excluded else "")
        raise PhenopacketError(name, "$.phenotypicFeatures", reason + ": nothing to rank by")
    subject: Mapping[str, Any] = doc["subject"] if isinstance(doc.get("subject"), Mapping) else {}
    meta: Mapping[str, Any] = doc["metaData"] if isinstance(doc.get("metaData"), Mapping) else {}
    obs = _unique(observed)
    return Patient(
        id=str(doc.get("id") or Path(name).stem),
        observed=obs,
        excluded=_unique(t for t in excluded if t not in obs),
        sex=subject.get("sex"),
        age=_age(subject),
        diseases=_unique(_diseases(doc)),
        genes=_unique(_genes(doc)),
        references=_unique(_references(meta)),
        hpo_version=_hpo_version(meta),
        file=None if name == "<input>" else name,
    )


def _hpo_version(meta: Mapping[str, Any]) -> str | None:
    for resource in meta.get("resources", []) or []:
        if isinstance(resource, Mapping) and resource.get("id") == "hp" and resource.get("version"):
            return str(resource["version"])
    return None


def _term(value: object, name: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PhenopacketError(name, where, f"missing term id (got {value!r})")
    term = value.strip().upper().replace("_", ":", 1) if value.strip().upper().startswith("HP_") else value.strip()
    term = "HP:" + term[3:] if term[:3].upper() == "HP:" else term
    if not _HPO.match(term):
        raise PhenopacketError(name, where, f"{value!r} is not an HPO term (expected HP: and 7 digits)")
    return term


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _age(subject: Mapping[str, Any]) -> str | None:
    for key in ("timeAtLastEncounter", "ageAtCollection"):  # v2, v1
        value = subject.get(key)
        if isinstance(value, Mapping):
            age = value.get("age", value)
            if isinstance(age, Mapping) and isinstance(age.get("iso8601duration"), str):
                return str(age["iso8601duration"])
            if isinstance(value.get("age"), str):
                return str(value["age"])
    return None


def _diseases(doc: Mapping[str, Any]) -> Iterator[str]:
    for interpretation in doc.get("interpretations", []) or []:
        disease = (interpretation.get("diagnosis") or {}).get("disease") or {}
        if isinstance(disease, Mapping) and disease.get("id"):
            yield str(disease["id"])
    for disease in doc.get("diseases", []) or []:
        term = disease.get("term") if isinstance(disease, Mapping) else None
        if isinstance(term, Mapping) and term.get("id") and not disease.get("excluded"):
            yield str(term["id"])


def _genes(doc: Mapping[str, Any]) -> Iterator[str]:
    for interpretation in doc.get("interpretations", []) or []:
        for gi in (interpretation.get("diagnosis") or {}).get("genomicInterpretations", []) or []:
            if not isinstance(gi, Mapping) or gi.get("interpretationStatus") not in (None, "CAUSATIVE", "CONTRIBUTORY"):
                continue
            gene = gi.get("gene") or (gi.get("variantInterpretation") or {}).get("variationDescriptor", {}).get(
                "geneContext"
            )
            if isinstance(gene, Mapping) and gene.get("symbol"):
                yield str(gene["symbol"])
    for gene in doc.get("genes", []) or []:  # v1
        if isinstance(gene, Mapping) and gene.get("symbol"):
            yield str(gene["symbol"])


def _references(meta: Mapping[str, Any]) -> Iterator[str]:
    for ref in meta.get("externalReferences", []) or []:
        if isinstance(ref, Mapping) and isinstance(ref.get("id"), str) and (m := _PMID.match(ref["id"].strip())):
            yield f"PMID:{m.group(1)}"


class TermResolver:
    """Maps HPO terms onto one release: current ids kept, alternative and obsolete ids replaced.

    Args:
        terms: The release's current term ids.
        alternatives: Alternative or obsolete id → the current term that holds it (``alt_id``,
            ``replaced_by`` in ``hp.obo``).
        version: The release's version (reported when a patient was annotated with another).
    """

    def __init__(self, terms: Iterable[str], alternatives: Mapping[str, str], version: str | None = None) -> None:
        self.terms = set(terms)
        self.alternatives = {k: v for k, v in alternatives.items() if v in self.terms}
        self.version = version

    def resolve(self, patient: Patient) -> Patient:
        """The patient with every term on this release; what changed is in ``notes``.

        Raises:
            PhenopacketError: no observed term is left.
        """
        notes = list(patient.notes)
        if patient.hpo_version and self.version and patient.hpo_version not in self.version:
            notes.append(f"annotated with HPO {patient.hpo_version}; the graph has HPO {self.version}")
        observed = self._map(patient.observed, notes, "observed")
        excluded = [t for t in self._map(patient.excluded, notes, "excluded") if t not in observed]
        if not observed:
            dropped = ", ".join(patient.observed)
            raise PhenopacketError(
                patient.file or "<input>",
                "$.phenotypicFeatures",
                f"none of the observed terms ({dropped}) is in HPO {self.version or 'of the graph'}",
            )
        return replace(patient, observed=_unique(observed), excluded=_unique(excluded), notes=tuple(notes))

    def _map(self, terms: Sequence[str], notes: list[str], kind: str) -> list[str]:
        out = []
        for t in terms:
            if t in self.terms:
                out.append(t)
            elif t in self.alternatives:
                out.append(self.alternatives[t])
                notes.append(f"{t} is obsolete or an alternative id: replaced by {self.alternatives[t]}")
            else:
                notes.append(f"{kind} term {t} is not in HPO {self.version or 'of the graph'}: ignored")
        return out
