"""her2kit: a cited engine for HER2-targeted cancer therapy.

It supports clinical decisions; it does not make them. Every output names the
rule that fired, the guideline section it implements and the references.
"""

from her2kit.assessment import Assessment, Her2Status
from her2kit.case import Case, load_case, parse_case
from her2kit.errors import Her2kitError, InvalidInput, KnowledgeBaseError, NotFound
from her2kit.kb import KnowledgeBase, default_kb, load_kb
from her2kit.match import assess
from her2kit.status import interpret_her2

__version__ = "0.1.0"

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
    "default_kb",
    "interpret_her2",
    "load_case",
    "load_kb",
    "parse_case",
]
