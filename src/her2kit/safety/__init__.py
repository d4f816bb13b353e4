"""Treatment safety over a course: dosing, missed doses, dose reductions, LVEF and adverse-event rules.

* :mod:`her2kit.safety.course` — the course document (input contract);
* :mod:`her2kit.safety.dosing` — regimen selection and dose arithmetic (``her2kit dose``);
* :mod:`her2kit.safety.monitor` — :func:`monitor` (``her2kit monitor``): the replay, the dose level and the next dose;
* :mod:`her2kit.safety.cardiac` — the LVEF tables over the readings;
* :mod:`her2kit.safety.events` — adverse events and graded laboratory values against the label's rows;
* :mod:`her2kit.safety.regions` — US PI / EU SmPC record selection;
* :mod:`her2kit.safety.result` — the result model and the replay state;
* :mod:`her2kit.safety.plot` — the LVEF trajectory plot.
"""

from her2kit.safety.course import Course, load_course, parse_course
from her2kit.safety.dosing import calculate
from her2kit.safety.monitor import MonitorResult, monitor

__all__ = ["Course", "MonitorResult", "calculate", "load_course", "monitor", "parse_course"]
