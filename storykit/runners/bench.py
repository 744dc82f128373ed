"""Running one benchmark command (not written yet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run(command: str, *, cwd: Path, log_path: Path, json_path: Path, timeout: float | None,
        output_lines: int = 200, echo: Any = None) -> Any:
    raise NotImplementedError
