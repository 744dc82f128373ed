"""The pre-commit hooks and the CI guide say what storykit really does."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from conftest import Project
from storykit.actions.check import CODES

ROOT = Path(__file__).resolve().parents[2]


def test_pre_commit_hooks_run_real_commands(project: Project) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"storykit-check", "storykit-tracker"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        program, *args = shlex.split(hook["entry"])
        assert program == "storykit"
        result = project.run(*args)
        assert result.exit_code == 0, result.output
    assert re.match(hooks["storykit-tracker"]["files"], "stories/STORY-001-add-tags.md")
    assert re.match(hooks["storykit-tracker"]["files"], "STORY_TRACKER.md")
    assert not re.match(hooks["storykit-tracker"]["files"], "src/app.py")


def test_ci_guide_documents_every_code_and_valid_snippets() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| (SK\d{3}) \|", text, re.M)
    assert documented == sorted(CODES)
    snippets = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    workflow, pre_commit = snippets
    steps = workflow["jobs"]["storykit"]["steps"]
    assert {"run": "storykit check --format github --run-commits strict"} in steps
    assert workflow["jobs"]["storykit"]["steps"][0]["with"] == {"fetch-depth": 0}  # SK508 needs the history
    assert [h["id"] for h in pre_commit["repos"][0]["hooks"]] == ["storykit-check", "storykit-tracker"]


def test_json_guide_documents_next_and_check_fields(project: Project) -> None:
    import json

    assert project.new().exit_code == 0
    assert project.new("--depends", "1", title="Later", tests="tests/test_later.py").exit_code == 0
    path = project.story_path("STORY-002")
    path.write_text(path.read_text(encoding="utf-8").replace("status: not-started", "status: red"), encoding="utf-8")
    docs = [json.loads(project.run("next", "--json").stdout), json.loads(project.run("check", "--json").stdout)]
    assert [d["kind"] for d in docs] == ["next", "check"]
    assert docs[1]["findings"] and docs[0]["blocked"] == [] and docs[0]["ready"]

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set().union(set(value), *map(keys, value.values()))
        if isinstance(value, list):
            return set().union(*map(keys, value))
        return set()

    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "json.md").read_text(encoding="utf-8")))
    assert not set().union(*map(keys, docs)) - documented
