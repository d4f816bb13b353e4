# ruff: noqa
# Frozen copy of her2kit.extract before the performance rewrite; used only by test_differential.py. Do not edit.
"""HER2 result extraction from free-text pathology reports.

>>> from her2kit.extract import extract_report
>>> r = extract_report("HER2/neu (4B5): 3+ (positive). ER: positive (90%). PR: negative.")
>>> [(t.method, t.score) for t in r.her2_tests], r.stated_status, r.er, r.pr
([('ihc', '3+')], 'positive', 'positive', 'negative')
"""

from .extract import extract_report
from .model import Evidence, ExtractedIhc, ExtractedIsh, ExtractionResult

__all__ = ["Evidence", "ExtractedIhc", "ExtractedIsh", "ExtractionResult", "extract_report"]
