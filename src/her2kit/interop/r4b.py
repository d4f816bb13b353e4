"""Validation against the HL7 FHIR R4 (R4B) models of fhir.resources, with errors naming the resource.

fhir.resources checks structure and datatypes, not code bindings; the status and type codes
her2kit reads are checked separately (:func:`check_codes`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from her2kit.errors import MISSING, WITHHELD, InvalidInput, Placeholder, shown
from her2kit.interop import codes as C  # noqa: N812

Json = dict[str, Any]

_ID: Final = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


# The key under which the import keeps the name of a resource that has no logical id of its own: an entry's fullUrl
# ("urn:uuid:..."), or "Container/id#contained-id" for a contained resource. Only the import's copies carry it (the
# R4B models refuse it in input, so a document cannot set it).
LOCAL_NAME: Final = "_her2kit_name"
# On a contained resource read by the import: the name of its container (its own name may show another, see
# fhir_bundle.with_contained). On a container whose contents are named otherwise than after its name (a Patient's):
# the prefix of its contents' names.
CONTAINER: Final = "_her2kit_container"
CONTENTS: Final = "_her2kit_contents"


def resource_name(resource: Any) -> str:
    """``Type/id`` of a resource dict, the name the import gave it (:data:`LOCAL_NAME`), or its type alone."""
    if not isinstance(resource, dict):
        return "(not a resource)"
    named = resource.get(LOCAL_NAME)
    if isinstance(named, str) and named:
        return named
    kind = str(resource.get("resourceType") or "(no resourceType)")
    rid = resource.get("id")
    return f"{kind}/{rid}" if rid else kind


def _error_name(resource: Any) -> str:
    """How an error names a resource: ``Type/id``, except a Patient, whose id is a patient identifier."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Patient":
        return "Patient"
    return resource_name(resource)


def _locate(doc: Json, loc: tuple[int | str, ...]) -> tuple[str, list[str]]:
    """The resource a pydantic error location points into (named by :func:`_error_name`), and the path inside
    it."""
    name = _error_name(doc)
    path = [str(p) for p in loc]
    entries = doc.get("entry")
    if (
        len(loc) >= 3
        and loc[0] == "entry"
        and isinstance(loc[1], int)
        and loc[2] == "resource"
        and isinstance(entries, list)
        and loc[1] < len(entries)
        and isinstance(entries[loc[1]], dict)
    ):
        inner = entries[loc[1]].get("resource")
        return f"{_error_name(inner)} (Bundle.entry[{loc[1]}])", path[3:]
    return name, path


def _check_entry_types(bundle: Json) -> None:
    """Each entry's resource names an R4 resource type (fhir.resources would report a class name, no entry)."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return  # (the model validation names a malformed entry list)
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        field = f"Bundle.entry[{i}].resource.resourceType"
        if not isinstance(kind, str) or not kind:
            raise InvalidInput(field, MISSING, "a FHIR R4 resource type such as Observation or Patient")
        try:
            get_fhir_model_class(kind)
        except (KeyError, ValueError, AttributeError):
            raise InvalidInput(
                field, shown(kind), "a FHIR R4 resource type such as Observation or Patient"
            ) from None


def validate(doc: Json) -> list[str]:
    """Validate one resource (a Bundle validates its entries) as R4B; raise :class:`InvalidInput`.

    Returns notes about what was tolerated: an invalid ``Bundle.id`` (the envelope's own
    id, which carries no clinical data; the mCODE example bundles use an underscore in it)
    is reported and not held against the content.
    """
    kind = doc.get("resourceType")
    if not isinstance(kind, str):
        raise InvalidInput("resourceType", shown(kind), "a FHIR resource type such as Bundle or Observation")
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError, AttributeError):
        raise InvalidInput(
            "resourceType", shown(kind), "a FHIR R4 resource type such as Bundle or Observation"
        ) from None
    if kind == "Bundle":
        _check_entry_types(doc)
    notes: list[str] = []
    checked = doc
    if kind == "Bundle" and isinstance(doc.get("id"), str) and not _ID.match(doc["id"]):
        notes.append(
            f"Bundle.id {doc['id']!r} is not a valid FHIR id ([A-Za-z0-9-.], at most 64 characters); "
            "tolerated, as the envelope's id carries no clinical data"
        )
        checked = {k: v for k, v in doc.items() if k != "id"}
    try:
        model.model_validate(checked)
    except ValidationError as exc:
        err = exc.errors()[0]
        where, path = _locate(checked, tuple(err["loc"]))
        msg = str(err.get("msg", "a valid value"))
        msg = msg.removeprefix("Value error, ")
        field = f"{where}.{'.'.join(path)}" if path else where
        # Values that may identify a patient (a Patient's or a contained or nested one's birth date, a name in a
        # display, identifiers, free text) are named by field only: only coded values are echoed.
        value = shown(err.get("input")) if _echoable(where, path) else WITHHELD
        raise InvalidInput(field, value, f"valid FHIR R4 ({msg})") from None
    except (
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
    ) as exc:  # fhir.resources raises these for some shapes
        # (the exception's text may quote the input: only its kind is given)
        raise InvalidInput(
            _error_name(doc), Placeholder("(document)"), "valid FHIR R4", hint=type(exc).__name__
        ) from None
    check_codes(doc)
    return notes


# Elements whose invalid value is echoed in an error: codes and numbers, which identify no one.
_ECHOED: Final = frozenset(
    {"status", "code", "system", "unit", "comparator", "intent", "gender", "type", "resourceType", "value"}
)
# Elements under which any value may identify a patient.
_PRIVATE: Final = frozenset(
    {"contained", "entry", "identifier", "name", "telecom", "address", "display", "text", "note", "birthDate"}
)
_PERSONS: Final = ("Patient", "RelatedPerson", "Person", "Practitioner")


def _echoable(where: str, path: Sequence[str]) -> bool:
    """Whether an invalid value at ``path`` of the resource ``where`` may be shown in an error."""
    if where.startswith(_PERSONS) or not path:
        return False
    steps = [p for p in path if not p.isdigit()]
    return bool(steps) and steps[-1] in _ECHOED and not _PRIVATE & set(steps)


def _check(resource: Json, element: str, allowed: frozenset[str], where: str) -> None:
    value = resource.get(element)
    if value is not None and value not in allowed:
        raise InvalidInput(f"{where}.{element}", shown(value), ", ".join(sorted(allowed)))


def check_codes(doc: Json) -> None:
    """Check the required code bindings of the elements her2kit reads (fhir.resources does not)."""
    resources: list[tuple[Json, str]] = []
    if doc.get("resourceType") == "Bundle":
        _check(doc, "type", C.BUNDLE_TYPES_READ, "Bundle")
        for i, entry in enumerate(doc.get("entry") or []):
            res = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(res, dict):
                resources.append((res, f"{_error_name(res)} (Bundle.entry[{i}])"))
    else:
        resources.append((doc, _error_name(doc)))
    for res, where in resources:
        kind = res.get("resourceType")
        if kind == "Observation":
            _check(res, "status", C.OBSERVATION_STATUS, where)
        elif kind == "Patient":
            _check(res, "gender", C.GENDERS, where)
        elif kind == "MedicationStatement":
            _check(res, "status", C.MEDICATION_STATEMENT_STATUS, where)
        elif kind == "MedicationRequest":
            _check(res, "status", C.MEDICATION_REQUEST_STATUS, where)
            _check(res, "intent", C.MEDICATION_REQUEST_INTENT, where)
        elif kind == "MedicationAdministration":
            _check(res, "status", C.MEDICATION_ADMINISTRATION_STATUS, where)
