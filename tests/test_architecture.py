"""The layers of docs/architecture.md are checked, not hoped for (issue 9): the
import-linter contracts in pyproject.toml hold, the page names each of them, and
no module rewrites its own source."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layer_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                               os.environ.get("PATH", "")]))
    assert lint is not None, "import-linter is in the test extra: pip install -e '.[test]'"
    proc = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_the_architecture_page_names_every_contract() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = [c["name"] for c in contracts["contracts"]]
    assert len(names) >= 7
    missing = [name for name in names if name not in page]
    assert not missing, f"docs/architecture.md does not state: {missing}"
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_regenerating_the_help_never_rewrites_a_source_module(tmp_path: Path) -> None:
    """The pre-rendered help is a data module written by an explicit step; the module
    that serves it (storykit/cli/helptext.py) is never rewritten."""
    source = ROOT / "storykit" / "cli" / "helptext.py"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    target = tmp_path / "helptexts.py"
    proc = subprocess.run([sys.executable, "-m", "storykit.cli.build_helptexts", str(target)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert target.read_text(encoding="utf-8") == (ROOT / "storykit" / "cli" / "helptexts.py").read_text(
        encoding="utf-8")
