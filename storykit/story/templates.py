"""Story templates: Jinja2, the project's ``templates/`` over the built-in ones.

A template is ``NAME.md.j2``; names starting with ``_`` are shared parts, not
listed.  A template may open with a ``{#- storykit ... -#}`` comment holding YAML
metadata: ``description``, defaults for ``track``/``agent``/``estimate``/
``min_tests``, and ``required`` variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storykit.errors import StorykitError

SUFFIX = ".md.j2"
# What storykit itself passes to every template; anything else a template reads is
# a user variable, given with --var KEY=VALUE.
STORYKIT_VARIABLES = frozenset({
    "id", "title", "status", "template", "created", "track", "agent", "estimate", "dependencies",
    "tests", "min_tests", "priority", "labels", "dependencies_line", "blocks", "blocks_line", "status_line",
    "commit_message", "titles", "test_results", "completion_fields",
})
_META = re.compile(r"\A\{#-?\s*storykit\s*\n(.*?)-?#\}", re.S)


def builtin_dir() -> Path:
    """The built-in templates: package data of ``storykit`` (``storykit/templates``)."""
    from importlib.resources import files

    return Path(str(files("storykit") / "templates"))


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    path: Path
    builtin: bool
    description: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()


def _search_path(project_dir: Path | None) -> list[Path]:
    dirs = [project_dir] if project_dir is not None and project_dir.is_dir() else []
    builtin = builtin_dir()
    if not dirs or dirs[0].resolve() != builtin.resolve():
        dirs.append(builtin)
    return dirs


def read_info(name: str, path: Path, builtin: bool) -> TemplateInfo:
    """A template's metadata from its opening ``{#- storykit`` comment."""
    import yaml

    match = _META.match(path.read_text(encoding="utf-8"))
    meta: dict[str, Any] = {}
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 2}" if mark else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise StorykitError(f"{path}{line}: bad storykit metadata comment ({problem})",
                                hint="fix the YAML in the opening {#- storykit ... -#} comment") from None
        if not isinstance(meta, dict):
            raise StorykitError(f"{path}: the storykit metadata comment must be a mapping")
    required = meta.pop("required", []) or []
    description = str(meta.pop("description", "") or "")
    return TemplateInfo(name, path, builtin, description, meta, tuple(required))


def available(project_dir: Path | None) -> dict[str, TemplateInfo]:
    """Every listable template by name; the project's own win over built-in ones."""
    found: dict[str, TemplateInfo] = {}
    builtin = builtin_dir().resolve()
    for directory in reversed(_search_path(project_dir)):
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            name = path.name[: -len(SUFFIX)]
            if not name.startswith("_"):
                found[name] = read_info(name, path, directory.resolve() == builtin)
    return dict(sorted(found.items()))


def get(name: str, project_dir: Path | None) -> TemplateInfo:
    templates = available(project_dir)
    if name not in templates:
        import difflib

        close = difflib.get_close_matches(name, templates, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"available: {', '.join(templates)}"
        raise StorykitError(f"unknown template '{name}'", hint=hint + " (see 'storykit templates')")
    return templates[name]


def _environment(project_dir: Path | None) -> Any:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    # The sandbox: a project's templates come from its repository (a pull request), and
    # rendering one (even under --dry-run) must never reach Python internals or a shell.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in _search_path(project_dir)]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )


def variables(info: TemplateInfo, project_dir: Path | None) -> list[str]:
    """The user variables a template reads (its own file; the shared layout reads
    only what storykit passes), sorted."""
    import jinja2
    from jinja2 import meta

    env = _environment(project_dir)
    try:
        ast = env.parse(info.path.read_text(encoding="utf-8"), info.name, str(info.path))
    except jinja2.TemplateSyntaxError as exc:
        raise StorykitError(f"{info.path}:{exc.lineno}: template syntax error: {exc.message}",
                            hint="fix the template and run again") from None
    found = meta.find_undeclared_variables(ast) | set(info.required)
    return sorted(found - STORYKIT_VARIABLES)


def render(info: TemplateInfo, project_dir: Path | None, context: dict[str, Any]) -> str:
    """Render a template; missing variables and syntax errors become one clear line."""
    import jinja2
    from jinja2.sandbox import SecurityError

    missing = [var for var in info.required if context.get(var) in (None, "")]
    if missing:
        raise StorykitError(
            f"template '{info.name}' needs the variable '{missing[0]}'",
            hint=f"pass --var {missing[0]}=VALUE",
        )
    env = _environment(project_dir)
    try:
        return env.get_template(info.path.name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or info.path.name
        raise StorykitError(
            f"{where}:{exc.lineno}: template syntax error: {exc.message}",
            hint="fix the template and run again",
        ) from None
    except jinja2.UndefinedError as exc:
        name = re.search(r"'([^']+)' is undefined", str(exc))
        var = name.group(1) if name else str(exc)
        raise StorykitError(
            f"template '{info.name}' needs the variable '{var}'",
            hint=f"pass --var {var}=VALUE",
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise StorykitError(f"template '{info.name}' includes '{exc.name}', which does not exist") from None
    except SecurityError as exc:
        raise StorykitError(f"template '{info.name}' did something the sandbox forbids ({exc})",
                            hint="a template may only render text: remove that expression") from None
