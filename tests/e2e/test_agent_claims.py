"""storykit start / release: a claim per story, an active story per worktree (issue 13).

Real git repositories, storykit as a real subprocess where processes race."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Project

# storykit in a subprocess runs the code next to these tests (not whatever storykit the
# environment has installed), also when 'storykit verify' replays an older commit.
SOURCE = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def test_start_claims_the_story_and_makes_it_active(story: Project) -> None:
    result = story.run("start", "1", "--agent", "agent-a")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Started STORY-001 (not-started), claimed by agent-a since ")
    assert "Next: write its failing tests, then 'storykit run-tests STORY-001'" in result.stdout
    text = story.story()
    assert "\nclaimed_by: agent-a\nclaimed_at: '" in text
    assert (story.root / ".storykit" / "active").read_text() == "STORY-001\n"
    assert story.run("check").exit_code == 0  # the claim keys are storykit's own, not unknown keys


def test_a_second_agent_is_told_who_has_it_and_nothing_changes(story: Project) -> None:
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    before = story.snapshot()
    result = story.run("start", "STORY-001", "--agent", "agent-b")
    assert result.exit_code == 1
    claimed_at = story.story().split("claimed_at: '")[1].split("'")[0]
    assert result.stderr == (f"Refused: STORY-001 is claimed by agent-a since {claimed_at}: "
                             f"pick another with 'storykit next'\n")
    assert story.snapshot() == before


def test_starting_your_own_story_again_keeps_the_claim(story: Project) -> None:
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    first = story.story()
    again = story.run("start", "1", "--agent", "agent-a")
    assert again.exit_code == 0
    assert again.stdout.startswith("Still yours: STORY-001")
    assert story.story() == first


def test_the_agent_defaults_to_the_environment_then_git(story: Project) -> None:
    result = story.sk("start", "1", env={"STORYKIT_AGENT": "env-agent", **SOURCE})
    assert result.exit_code == 0, result.stderr
    assert "claimed_by: env-agent" in story.story()
    assert story.run("release", "--agent", "env-agent").exit_code == 0
    assert story.run("start", "1").exit_code == 0
    assert "claimed_by: Test User" in story.story()  # git's user.name (conftest pins it)


def test_next_skips_claimed_stories_and_all_shows_them_marked(story: Project) -> None:
    assert story.new(title="Second story").exit_code == 0
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    plain = story.run("next")
    assert plain.exit_code == 0
    assert "STORY-001" not in plain.stdout and plain.stdout.startswith("STORY-002  Second story")
    everything = story.run("next", "--all")
    line = next(line for line in everything.stdout.splitlines() if line.startswith("STORY-001"))
    assert "[claimed by agent-a since " in line
    document = json.loads(story.run("next", "--json").stdout)
    assert [s["id"] for s in document["ready"]] == ["STORY-002"]
    assert document["claimed"][0]["id"] == "STORY-001" and document["claimed"][0]["claimed_by"] == "agent-a"
    shown = json.loads(story.run("next", "--all", "--json").stdout)
    assert [(s["id"], s["claimed_by"]) for s in shown["ready"]] == [("STORY-001", "agent-a"), ("STORY-002", None)]


def test_nothing_ready_says_how_many_are_claimed(story: Project) -> None:
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    result = story.run("next")
    assert result.exit_code == 0
    assert result.stderr == "No story is ready to start (1 claimed: --all lists them).\n"


def test_release_drops_the_claim_and_the_active_mark(story: Project) -> None:
    original = story.story()
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    result = story.run("release", "--agent", "agent-a")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Released STORY-001 (held by agent-a); no story is active in this worktree now\n"
    assert story.story() == original  # byte for byte as before the claim
    assert not (story.root / ".storykit" / "active").exists()


def test_release_of_another_agents_claim_needs_force(story: Project) -> None:
    assert story.run("start", "1", "--agent", "agent-a").exit_code == 0
    before = story.snapshot()
    refused = story.run("release", "1", "--agent", "agent-b")
    assert refused.exit_code == 1
    assert refused.stderr == ("Refused: STORY-001 is claimed by agent-a, not agent-b: only its holder releases it "
                              "(or pass --force)\n")
    assert story.snapshot() == before
    assert story.run("release", "1", "--agent", "agent-b", "--force").exit_code == 0
    assert "claimed_by" not in story.story()


def test_release_without_an_active_story_says_what_to_name(story: Project) -> None:
    result = story.run("release")
    assert result.exit_code == 2
    assert result.stderr == ("Error: no story is active in this worktree; name the story to release: "
                             "storykit release STORY-ID\n")


def test_a_done_story_cannot_be_started(story: Project) -> None:
    path = story.story_path()
    path.write_text(story.story().replace("status: not-started", "status: done"), encoding="utf-8")
    before = story.snapshot()
    result = story.run("start", "1", "--agent", "agent-a")
    assert result.exit_code == 1
    assert result.stderr == ("Refused: STORY-001 is done: there is nothing left to start; "
                             "pick another with 'storykit next'\n")
    assert story.snapshot() == before


def test_start_and_release_answer_in_json(story: Project) -> None:
    started = story.run("start", "1", "--agent", "agent-a", "--json")
    assert started.exit_code == 0
    document = json.loads(started.stdout)
    assert document["kind"] == "start" and document["ok"] is True
    assert (document["id"], document["claimed_by"], document["already_claimed"]) == ("STORY-001", "agent-a", False)
    assert document["path"] == story.story_path().relative_to(story.root).as_posix()
    refused = json.loads(story.run("start", "1", "--agent", "agent-b", "--json").stdout)
    assert refused["kind"] == "error" and refused["exit_code"] == 1
    assert refused["reason"].startswith("STORY-001 is claimed by agent-a since ")
    released = json.loads(story.run("release", "--agent", "agent-a", "--json").stdout)
    assert (released["kind"], released["released_from"], released["was_active"]) == ("release", "agent-a", True)


def test_two_agents_racing_for_one_story_exactly_one_wins(story: Project) -> None:
    env = {**os.environ, **SOURCE}
    procs = [subprocess.Popen([sys.executable, "-m", "storykit", "start", "1", "--agent", name], cwd=story.root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for name in ("agent-a", "agent-b", "agent-c")]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1, results
    holder = winners[0][1].split("claimed by ")[1].split(" since")[0]
    assert f"claimed_by: {holder}\n" in story.story()
    for code, _, err in losers:
        assert code == 1
        assert err.startswith(f"Refused: STORY-001 is claimed by {holder} since ")


def test_a_claim_in_another_worktree_counts(story: Project, tmp_path: Path) -> None:
    other = Project(tmp_path / "other")
    story.git("worktree", "add", "-q", str(other.root), "-b", "other")
    assert other.run("start", "1", "--agent", "agent-b").exit_code == 0  # uncommitted, in the other worktree
    before = story.snapshot()
    result = story.run("start", "1", "--agent", "agent-a")
    assert result.exit_code == 1
    assert result.stderr.startswith("Refused: STORY-001 is claimed by agent-b since ")
    assert result.stderr.endswith(f" in the worktree {other.root}: pick another with 'storykit next'\n")
    assert story.snapshot() == before
    assert not (story.root / ".storykit" / "active").exists()


def test_a_closed_story_cannot_be_started(story: Project) -> None:
    closed = story.run("close", "1", "--as", "wont-do", "--reason", "not needed")
    assert closed.exit_code == 0, closed.output
    before = story.snapshot()
    result = story.run("start", "1", "--agent", "agent-a")
    assert result.exit_code == 1
    assert result.stderr == ("Refused: STORY-001 is closed (won't do): there is nothing left to start; "
                             "pick another with 'storykit next'\n")
    assert story.snapshot() == before
    assert not (story.root / ".storykit" / "active").exists()
