"""The pre-rendered top-level help (storykit.cli.helptext) is click's own output, always."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from storykit.cli import helptext
from storykit.cli.app import cli

REGENERATE = "the pre-rendered help is out of date: run 'python -m storykit.cli.build_helptexts' and commit the result"


@pytest.mark.parametrize("width", sorted(helptext.TEXTS))
def test_pre_rendered_help_equals_clicks(width: int) -> None:
    assert helptext.TEXTS[width] == helptext.render(width), REGENERATE


def test_the_usual_widths_are_pre_rendered() -> None:
    assert set(helptext.TEXTS) == {78, 98}  # a pipe or 80 columns; 100 columns or more
    assert helptext.MAX_CONTENT_WIDTH == cli.context_settings["max_content_width"]


@pytest.mark.parametrize("columns", [None, "", "junk", "0", "30", "80", "90", "100", "250"])
def test_width_is_the_one_click_formats_at(columns: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert helptext.width() == click.formatting.HelpFormatter(max_width=helptext.MAX_CONTENT_WIDTH).width


def test_only_the_bare_top_level_help_is_fast() -> None:
    assert helptext.fast_help(["--help", "list"]) is None
    assert helptext.fast_help(["list", "--help"]) is None
    assert helptext.fast_help(["--debug", "--help"]) is None


def storykit(*args: str, columns: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "storykit", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("columns", [None, "80", "100", "132", "90"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_storykit_help_prints_what_click_prints(columns: str | None, flag: str) -> None:
    fast = storykit(flag, columns=columns)
    # --debug changes nothing in the help, but takes the argument list off the fast path.
    slow = storykit("--debug", flag, columns=columns)
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, slow.stdout, "")
    assert slow.returncode == 0


def test_help_does_not_import_click() -> None:
    code = ("import sys, io, contextlib\nfrom storykit.__main__ import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'yaml', 'jinja2', 'git')))")
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "[]"


def test_version_and_help_import_nothing_but_storykit_s_entry_point() -> None:
    """Start-up is measured against a bare `python -c pass` (docs/performance.md): `--version`
    and `--help` load no module that Python itself has not loaded before running a script."""
    code = ("import sys, io, contextlib\nbefore = set(sys.modules)\nfrom storykit.__main__ import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--version']); main(['--help'])\n"
            "print(sorted(m for m in set(sys.modules) - before - {'__future__'}"
            " if not m.startswith('storykit')))")
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "[]"  # not typing, not re: 3-6 ms each
