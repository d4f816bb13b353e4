"""Therapy matching: label criteria over a case, safety gates, and the ranking rule.

* :mod:`her2kit.match.history` — what the treatment history means for label criteria;
* :mod:`her2kit.match.criteria` — one indication's criteria against one case;
* :mod:`her2kit.match.safety` — label safety gates, prior progression and intolerance;
* :mod:`her2kit.match.rank` — the explicit ranking key;
* :mod:`her2kit.match.assess` — :func:`assess`, which chains status, matching and safety.
"""

from her2kit.match.assess import assess

__all__ = ["assess"]
