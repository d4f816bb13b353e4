"""Generate docs/cli.md, the command-line reference, from the commands themselves (their help, arguments and
options), so that the reference cannot fall behind the code.

Usage: python scripts/gen_cli_doc.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer.main

from her2kit.cli import app

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

HEADER = """# Command-line reference

Generated from the commands by `scripts/gen_cli_doc.py` (a test fails when it is stale); `her2kit COMMAND --help`
prints the same. Errors: bad input prints one line naming the field, the value and what is allowed (exit code 2); a
malformed command line prints the parser's usage message (exit code 2); an invalid knowledge base exits with 3. The
pages in `docs/` describe what each command reads and returns.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(param: Any) -> str:
    default = param.default
    if default is None or param.required or callable(default):
        return ""
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, (list, tuple)):
        return "" if not default else ", ".join(map(str, default))
    return str(getattr(default, "value", default))


def _command(path: str, command: Any) -> list[str]:
    lines = [f"## `her2kit {path}`", ""]
    if command.help:
        lines += [command.help.strip(), ""]
    arguments = [p for p in command.params if type(p).__name__ == "TyperArgument"]
    options = [p for p in command.params if type(p).__name__ != "TyperArgument" and p.name != "help"]
    if arguments:
        lines += ["| argument | required | meaning |", "|---|---|---|"]
        for p in arguments:
            lines.append(f"| `{p.name.upper()}` | {'yes' if p.required else 'no'} | {_cell(p.help or '')} |")
        lines.append("")
    if options:
        lines += ["| option | default | meaning |", "|---|---|---|"]
        for p in options:
            names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            default = _default(p)
            needed = " (required)" if p.required else ""
            lines.append(f"| {names} | {f'`{default}`' if default else ''} | {_cell(p.help or '')}{needed} |")
        lines.append("")
    return lines


def _walk(prefix: str, group: Any) -> list[str]:
    lines: list[str] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix} {name}".strip()
        if hasattr(command, "commands"):
            lines += _walk(path, command)
        else:
            lines += _command(path, command)
    return lines


def render() -> str:
    root = typer.main.get_command(app)
    return "\n".join([HEADER, *_walk("", root)]).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if DOC.read_text(encoding="utf-8") != text:
            sys.stderr.write("docs/cli.md is stale: run python scripts/gen_cli_doc.py\n")
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
