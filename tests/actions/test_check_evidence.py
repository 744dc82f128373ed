"""The evidence rule of ``storykit check`` (SK602, and SK506 for records in the evidence
file) runs where the story is read — in the workers of a cold check — and its verdict
is kept in the check cache under the evidence file's stamp, as the story's own findings
are kept under the story file's (issue 12, the cold check)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Project, copy_of, prepared
from storykit.project.loading import PARALLEL_FROM
from storykit.story import records
from test_check import check, codes, to_green

AN_HOUR_AGO = time.time_ns() - 3600 * 10**9
COUNT = PARALLEL_FROM + 60  # enough for a cold check to read on every core


def stamp(path: Path, ns: int) -> None:
    os.utime(path, ns=(ns, ns))


def age(project: Project) -> None:
    """Every story, evidence file and the tracker written an hour ago: stamps a cache may trust."""
    folder = project.root / "stories"
    for path in [*folder.glob("*.md"), *folder.glob(".evidence/*.json"), project.root / "STORY_TRACKER.md"]:
        stamp(path, AN_HOUR_AGO)


def forget(project: Project) -> None:
    shutil.rmtree(project.root / ".storykit" / "cache", ignore_errors=True)


def same_size_edit(path: Path) -> None:
    """A hand edit of the records that keeps the file's size and time (a test renamed)."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "test_feature_0" in text
    path.write_text(text.replace("test_feature_0", "test_feature_9", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


@pytest.fixture
def green(project: Project) -> Project:
    assert project.new().exit_code == 0
    to_green(project)
    assert records.evidence_path(project.story_path()).is_file()
    return project


def test_the_verdict_on_an_evidence_file_is_kept_under_its_stamp(green: Project) -> None:
    evidence = records.evidence_path(green.story_path())
    age(green)
    forget(green)
    first = check(green)
    assert (first.exit_code, first.stdout) == (0, "")
    same_size_edit(evidence)  # the stamp the check cache holds: the file is not read again
    assert (check(green).exit_code, check(green).stdout) == (0, "")
    stamp(evidence, AN_HOUR_AGO + 10**9)  # a new stamp: read again, and the edit is caught
    found = check(green)
    assert (found.exit_code, codes(found)) == (1, ["SK602"])
    assert "the per-test records of the red run in stories/.evidence/" in found.stdout
    forget(green)
    assert check(green).stdout == found.stdout  # cold: the same


def test_an_evidence_file_too_fresh_to_trust_its_stamp_is_read_again(green: Project) -> None:
    evidence = records.evidence_path(green.story_path())
    age(green)
    stamp(evidence, time.time_ns())  # just written: an edit in the same clock tick keeps its stamp
    forget(green)
    assert check(green).exit_code == 0
    same_size_edit(evidence)
    found = check(green)
    assert (found.exit_code, codes(found)) == (1, ["SK602"])


def test_an_evidence_file_removed_or_replaced_after_a_check_is_seen(green: Project) -> None:
    evidence = records.evidence_path(green.story_path())
    age(green)
    assert check(green).exit_code == 0
    kept = evidence.read_bytes()
    evidence.unlink()
    missing = check(green)
    assert (missing.exit_code, codes(missing)) == (1, ["SK602"])
    assert "is missing: the red run's per-test records are not there" in missing.stdout
    os.mkfifo(evidence)  # never read (it would block): not an evidence file
    fifo = check(green)
    assert (fifo.exit_code, codes(fifo)) == (1, ["SK602"])
    assert "is not a storykit evidence file" in fifo.stdout
    evidence.unlink()
    evidence.write_bytes(kept)
    stamp(evidence, AN_HOUR_AGO)  # its old stamp back: its old verdict holds
    assert (check(green).exit_code, check(green).stdout) == (0, "")


_PART = st.text(st.sampled_from("ab.-_ é"), min_size=1, max_size=6).filter(lambda p: p not in (".", ".."))


@given(st.sampled_from(["", "/", "./", "../", "/srv/"]), st.lists(_PART, max_size=3), _PART,
       st.sampled_from([".md", ".MD", "", ".", ".md.md"]))
def test_the_evidence_file_s_name_is_the_evidence_path_s(start: str, folders: list[str], name: str,
                                                           suffix: str) -> None:
    story = Path(start + "/".join([*folders, name + suffix]))
    assert records.evidence_file(story) == str(records.evidence_path(story))


def _build(project: Project) -> None:
    """COUNT stories with evidence files: copies of one green story (so their runs are
    SK506 copies), a few of them with broken evidence of each kind."""
    assert project.new().exit_code == 0
    to_green(project)
    seed = project.story_path()
    text = seed.read_text(encoding="utf-8")
    evidence = records.evidence_path(seed).read_text(encoding="utf-8")
    for number in range(2, COUNT + 1):
        sid = f"STORY-{number:03d}"
        path = seed.parent / f"{sid}-copy-{number}.md"
        path.write_text(text.replace("STORY-001", sid), encoding="utf-8")
        records.evidence_path(path).write_text(evidence, encoding="utf-8")
    folder = seed.parent / records.FOLDER
    (folder / "STORY-101-copy-101.json").unlink()  # missing
    (folder / "STORY-102-copy-102.json").write_text("{not json", encoding="utf-8")
    (folder / "STORY-103-copy-103.json").write_text(evidence.replace("test_feature_0", "test_feature_9"),
                                                     encoding="utf-8")  # records not the digest's
    (folder / "STORY-104-copy-104.json").write_text('{"format": 1, "runs": {"red": [1]}}', encoding="utf-8")
    (folder / "STORY-105-copy-105.json").write_text(evidence.replace('"red"', '"blue"'), encoding="utf-8")
    age(project)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


def _one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # storykit then reads serially


def _serial(project: Project, *args: str) -> tuple[int, str]:
    forget(project)
    proc = subprocess.run([sys.executable, "-m", "storykit", *args], cwd=project.root, capture_output=True,
                          text=True, preexec_fn=_one_core, timeout=300)
    return proc.returncode, proc.stdout


def test_a_cold_check_on_every_core_judges_evidence_files_as_warm_and_serial_checks(
        template: Path, tmp_path: Path) -> None:
    many = copy_of(template, tmp_path)
    fresh = many.root / "stories" / records.FOLDER / "STORY-106-copy-106.json"
    fresh.write_text(fresh.read_text(encoding="utf-8").replace("test_feature_1", "test_feature_8"),
                     encoding="utf-8")  # just written, records not the digest's
    os.mkfifo(many.root / "stories" / records.FOLDER / "STORY-107-copy-107.json.tmp")  # not an evidence file's name
    (many.root / "stories" / records.FOLDER / "STORY-108-copy-108.json").unlink()
    os.mkfifo(many.root / "stories" / records.FOLDER / "STORY-108-copy-108.json")
    for args in (("check",), ("check", "--json"), ("check", "--format", "github")):
        forget(many)
        cold = many.sk(*args)
        warm = many.sk(*args)
        serial = _serial(many, *args)
        assert cold.exit_code == warm.exit_code == serial[0] == 1
        assert cold.stdout == warm.stdout == serial[1]
    lines = [line for line in many.sk("check").stdout.splitlines() if "SK602" in line]
    assert [line.split(":", 1)[0] for line in lines] == [
        f"stories/STORY-{n}-copy-{n}.md" for n in (101, 102, 103, 103, 104, 105, 106, 106, 108)]
    assert sum("SK506" in line for line in many.sk("check").stdout.splitlines()) == 2 * (COUNT - 1)
