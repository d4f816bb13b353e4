"""HL7 FHIR R4 / mCODE interchange: bundles in, assessments out (see ``docs/fhir.md``)."""

from __future__ import annotations

from her2kit.interop.fhir_export import assessment_to_fhir
from her2kit.interop.fhir_import import ImportResult, bundle_to_case, load_bundle_file

__all__ = ["ImportResult", "assessment_to_fhir", "bundle_to_case", "load_bundle_file"]
