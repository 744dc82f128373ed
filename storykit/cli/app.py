"""The ``storykit`` command group and the single error boundary.

Subcommands live one per module in ``storykit.cli.commands`` and are imported only
when invoked (or listed by ``--help``), so start-up stays fast.  This is the one
refusal channel: every StorykitError (a Refused too, whether it came before or
after a test run) becomes one line on stderr and its exit code, and under
``--json`` one ``error`` document; a traceback is shown only under ``--debug``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from storykit import __version__
from storykit.cli import jsonout
from storykit.errors import Refused, StorykitError

# name -> "module:function"; aliases map to a name.
COMMANDS = {
    "init": "storykit.cli.commands.init:init",
    "templates": "storykit.cli.commands.templates:templates",
    "new": "storykit.cli.commands.new:new",
    "renumber": "storykit.cli.commands.renumber:renumber",
    "merge-tracker": "storykit.cli.commands.merge_tracker:merge_tracker",  # hidden: git's merge driver
    "run-tests": "storykit.cli.commands.run_tests:run_tests",
    "validate": "storykit.cli.commands.validate:validate",
    "complete": "storykit.cli.commands.complete:complete",
    "list": "storykit.cli.commands.listing:list_stories",
    "show": "storykit.cli.commands.show:show",
    "tracker": "storykit.cli.commands.tracker:tracker_cmd",
    "next": "storykit.cli.commands.next_stories:next_cmd",
    "check": "storykit.cli.commands.check:check",
    "demo": "storykit.cli.commands.demo:demo",
    "verify": "storykit.cli.commands.verify:verify",
    "tick": "storykit.cli.commands.tick:tick",
    "note": "storykit.cli.commands.note:note",
    "set": "storykit.cli.commands.set_fields:set_cmd",
    "close": "storykit.cli.commands.close:close",
    "search": "storykit.cli.commands.search:search",
    "mcp": "storykit.cli.commands.mcp:mcp",
    "start": "storykit.cli.commands.start:start",
    "release": "storykit.cli.commands.start:release",
    "setup": "storykit.cli.commands.setup:setup",
    "hook": "storykit.cli.commands.hook:hook",
    "migrate": "storykit.cli.commands.migrate:migrate",
}
ALIASES = {"status": "list", "ls": "list"}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(ALIASES.get(name, name))
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else None
        if name and name not in COMMANDS and name not in ALIASES and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, [*COMMANDS, *ALIASES], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            ctx.fail(f"No such command '{name}'.{hint}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="storykit", message="%(prog)s %(version)s")
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run as if storykit was started in this directory.")
@click.option("--debug", is_flag=True, help="Show the full traceback when something goes wrong.")
@click.pass_context
def cli(ctx: click.Context, directory: Path | None, debug: bool) -> None:
    """Stories that enforce test-driven development.

    storykit generates story files from templates, runs their tests itself,
    writes the real output into each story, moves it through
    not-started -> red -> green -> validated -> done only when the evidence
    allows, regenerates STORY_TRACKER.md, and commits.

    \b
    A story's cycle:
      storykit new feature --title "Add tags" --tests tests/test_tags.py
      storykit run-tests STORY-001     # tests fail: red, failing output recorded
      storykit run-tests STORY-001     # tests pass: green, passing output recorded
      storykit complete STORY-001      # re-run, check, record, commit

    Exit codes: 0 done; 1 the workflow (or git) refused, the reason is
    printed; 2 bad usage or bad input; 70 a storykit bug; 130 interrupted.
    """
    ctx.obj = {"directory": directory, "debug": debug}


_loaded: dict[str, Any] = {}  # the project of the command being run, once project_from loaded it


def run(args: list[str]) -> int:
    """Run the CLI and turn every expected failure into one line and an exit code."""
    import gc

    try:
        return _run(args)
    finally:
        gc.unfreeze()  # what the command froze (Project.entries) is the collector's again


def _run(args: list[str]) -> int:
    debug = "--debug" in args
    jsonout.reset()
    _loaded.clear()
    try:
        # standalone_mode=False: click returns ctx.exit()'s code instead of exiting.
        code = cli.main(args=args, prog_name="storykit", standalone_mode=False)
    except StorykitError as exc:
        if debug:
            raise
        if "project" in _loaded:  # a story file is named relative to the project, never by its absolute path
            exc.message = _loaded["project"].relative_text(exc.message)
        refused = exc if isinstance(exc, Refused) else None
        label = "Refused" if refused else "Error"
        where = f" (full log: {refused.log})" if refused and refused.log else ""
        click.echo(f"{label}: {exc}{where}", err=True)
        _json_error(exc.exit_code, label.lower(), exc.message, exc.hint, refused)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Interrupted; no file was changed.", err=True)
        _json_error(130, "interrupted", "interrupted; no file was changed", None)
        return 130
    except KeyboardInterrupt:
        click.echo("\nInterrupted; no file was changed.", err=True)
        _json_error(130, "interrupted", "interrupted; no file was changed", None)
        return 130
    except click.UsageError as exc:
        # One line, like every other error: what is wrong, and where the help is.
        message = " ".join(exc.format_message().split())
        where = exc.ctx.command_path if exc.ctx is not None else "storykit"
        click.echo(f"Error: {message}{'' if message.endswith('.') else '.'} (see '{where} --help')", err=True)
        _json_error(exc.exit_code, "usage", message, None)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        _json_error(exc.exit_code, "usage", exc.format_message(), None)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the boundary: a bug, reported briefly
        if debug:
            raise
        click.echo(f"Error: storykit failed unexpectedly: {type(exc).__name__}: {exc} "
                   f"(run again with --debug for the traceback, and please report it)", err=True)
        _json_error(70, "unexpected", f"{type(exc).__name__}: {exc}", "run again with --debug for the traceback")
        return 70
    return code if isinstance(code, int) else 0


def _json_error(exit_code: int, category: str, reason: str, hint: str | None, refused: Refused | None = None) -> None:
    """Under --json, a failure is also one JSON document on stdout (see storykit.cli.jsonout)."""
    if jsonout.active():
        jsonout.emit_error(exit_code, category, reason, hint, refused)


class Seconds(click.ParamType):
    """A positive, finite number of seconds (``--timeout``); nan and inf are refused."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        import math

        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if number <= 0:
            self.fail(f"{value} is not a positive number of seconds", param, ctx)
        return number


SECONDS = Seconds()


def keep(value: Any) -> None:
    """Hold ``value`` until the next command run in this process, or the process's end:
    the storykit program ends without freeing what it holds (storykit.__main__._leave)."""
    _loaded.setdefault("kept", []).append(value)


def project_from(ctx: click.Context) -> Any:
    """The Project of the current directory (or ``-C``), loaded once per command."""
    from storykit.project import config
    from storykit.project.store import Project

    root = ctx.find_root()
    if "project" not in root.obj:
        project = root.obj["project"] = _loaded["project"] = Project(config.load(root.obj.get("directory")))
        root.call_on_close(lambda: _warn_broken(project))
    return root.obj["project"]


def warner(project: Any) -> Any:
    """What prints a warning about a story (an unknown front-matter key): one
    ``warning:`` line on stderr, its file relative to the project."""
    return lambda text: click.echo(f"warning: {project.relative_text(text)}", err=True)


def _warn_broken(project: Any) -> None:
    """Name each story file a listing could not read, once, when the command ends."""
    for broken in project.broken:
        click.echo(f"warning: {broken.message}", err=True)
