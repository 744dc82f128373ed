"""storykit demo: the README's Quick start, end to end."""

from __future__ import annotations


def test_demo_takes_a_repository_through_the_whole_cycle(tmp_path) -> None:
    """The README's Quick start job, end to end (real storykit processes, real pytest)."""
    import subprocess
    import sys

    import yaml

    target = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "storykit", "demo", str(target)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Demo complete." in proc.stdout
    assert "Refused: tests pass before any implementation: write a failing test first" in proc.stdout
    (story,) = (target / "stories").glob("STORY-001-*.md")
    meta = yaml.safe_load(story.read_text(encoding="utf-8").split("---\n", 2)[1])
    assert meta["status"] == "done" and meta["runs"]["red"]["counts"] == {"failed": 8}
    log = subprocess.run(["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True).stdout
    assert log.splitlines()[0] == "feat: Add tags table (STORY-001)"
    assert "test: failing tests for STORY-001" in log
    assert "its tests fail at the red commit and pass at the completion commit" in proc.stdout
