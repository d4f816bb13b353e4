"""HER2 status interpretation, one module per guideline.

* :mod:`her2kit.status.breast` — ASCO/CAP 2018 (affirmed 2023), incl. HER2-low/ultralow;
* :mod:`her2kit.status.gastroesophageal` — CAP/ASCP/ASCO 2016;
* :mod:`her2kit.status.other_solid` — tumours without a HER2 guideline (tumour-agnostic IHC 3+);
* :mod:`her2kit.status.ngs` — ERBB2 findings from sequencing, beside IHC/ISH;
* :mod:`her2kit.status.interpret` — :func:`interpret_her2`, which groups tests by specimen and reconciles.
"""

from her2kit.status.interpret import interpret_her2

__all__ = ["interpret_her2"]
