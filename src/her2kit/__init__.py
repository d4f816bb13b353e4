"""her2kit: a cited engine for HER2-targeted cancer therapy.

It supports clinical decisions; it does not make them. Every output names the
rule that fired, the guideline section it implements and the references.
"""

from typing import TYPE_CHECKING, Any

from her2kit.assessment import Assessment, Her2Status
from her2kit.case import Case, load_case, parse_case
from her2kit.errors import Her2kitError, InvalidInput, KnowledgeBaseError, NotFound
from her2kit.kb import KnowledgeBase, default_kb, load_kb
from her2kit.match import assess
from her2kit.status import interpret_her2

__version__ = "0.1.0"

# Entry points of the heavier packages, imported on first use so that ``import her2kit`` stays light
# (cohort screening loads Polars, PyArrow and numba; reports load WeasyPrint and matplotlib).
_LAZY: dict[str, tuple[str, str]] = {
    "extract_report": ("her2kit.extract", "extract_report"),
    "profile_file": ("her2kit.genomics", "profile_file"),
    "load_course": ("her2kit.safety", "load_course"),
    "parse_course": ("her2kit.safety", "parse_course"),
    "monitor": ("her2kit.safety", "monitor"),
    "calculate_dose": ("her2kit.safety", "calculate"),
    "screen_cohort": ("her2kit.cohort", "screen"),
    "build_report": ("her2kit.report", "build_report"),
    "write_report": ("her2kit.report", "write_report"),
    "bundle_to_case": ("her2kit.interop", "bundle_to_case"),
    "assessment_to_fhir": ("her2kit.interop", "assessment_to_fhir"),
}

if TYPE_CHECKING:
    from her2kit.cohort import screen as screen_cohort
    from her2kit.extract import extract_report
    from her2kit.genomics import profile_file
    from her2kit.interop import assessment_to_fhir, bundle_to_case
    from her2kit.report import build_report, write_report
    from her2kit.safety import calculate as calculate_dose
    from her2kit.safety import load_course, monitor, parse_course


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'her2kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Assessment",
    "Case",
    "Her2Status",
    "Her2kitError",
    "InvalidInput",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "NotFound",
    "__version__",
    "assess",
    "assessment_to_fhir",
    "build_report",
    "bundle_to_case",
    "calculate_dose",
    "default_kb",
    "extract_report",
    "interpret_her2",
    "load_case",
    "load_course",
    "load_kb",
    "monitor",
    "parse_case",
    "parse_course",
    "profile_file",
    "screen_cohort",
    "write_report",
]
