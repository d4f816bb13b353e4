"""The public API is small and pinned; the heavier packages load on first use."""

import subprocess
import sys

import pytest

import her2kit


def test_exported_members() -> None:
    assert sorted(her2kit.__all__) == sorted(
        [
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
    )
    for name in her2kit.__all__:
        assert hasattr(her2kit, name)
    assert sorted(dir(her2kit)) == sorted(her2kit.__all__)


def test_lazy_entry_points_are_the_packages_own() -> None:
    from her2kit.cohort import screen
    from her2kit.extract import extract_report
    from her2kit.safety import calculate

    assert her2kit.screen_cohort is screen
    assert her2kit.extract_report is extract_report
    assert her2kit.calculate_dose is calculate


def test_import_stays_light() -> None:
    """``import her2kit`` loads none of the heavy libraries; they come with the entry points that need them."""
    code = (
        "import sys, her2kit; "
        "print(sorted(m for m in ('polars', 'pyarrow', 'numba', 'weasyprint', 'matplotlib', 'pysam') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        getattr(her2kit, "no_such_thing")  # noqa: B009


def test_readme_example() -> None:
    case = her2kit.parse_case(
        {
            "id": "c1",
            "tumor": {"type": "breast"},
            "her2_tests": [
                {"method": "ihc", "score": "2+"},
                {"method": "ish", "ratio": 1.6, "her2_copies": 4.8},
            ],
        }
    )
    status = her2kit.interpret_her2(case.her2_tests, case.tumor)
    assert (status.result, status.category, status.ish_group) == ("negative", "HER2-low", 4)
