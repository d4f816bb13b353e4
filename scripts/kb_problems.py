"""Print every knowledge-base problem, optionally only those naming the given files.

Usage: python scripts/kb_problems.py [FILENAME ...]
"""

from __future__ import annotations

import sys

from her2kit.kb.load import SECTIONS, data_dir, parse_files
from her2kit.kb.validate import cross_check


def main(argv: list[str]) -> int:
    manifest, parsed, problems = parse_files(sorted(data_dir().glob("*.yaml")))
    problems += cross_check(parsed, manifest)
    shown = [p for p in problems if not argv or any(p.startswith(f"{name}:") for name in argv)]
    for problem in shown:
        print(problem)
    counts = ", ".join(f"{name} {len(parsed[name])}" for name in SECTIONS)
    print(f"{len(shown)} problem(s) shown of {len(problems)}; records: {counts}")
    return 1 if shown else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
