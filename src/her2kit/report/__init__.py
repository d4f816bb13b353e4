"""Printable clinical reports: one set of Jinja2 templates, written as HTML or PDF.

``build_report`` renders an assessment (and, optionally, a treatment course with
its monitoring result) as one self-contained HTML document; ``write_report``
writes it as ``.html`` or renders it to ``.pdf`` with WeasyPrint. See
docs/reports.md.
"""

from her2kit.report.build import build_report, write_report

__all__ = ["build_report", "write_report"]
