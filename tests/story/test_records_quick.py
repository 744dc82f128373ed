"""``check``'s evidence rule reads a file exactly as storykit writes it without a JSON
parser or a record per test (records.canonical: the digests hashed from the file's own
bytes), and leaves out the runs whose every test is in the story's own test files
(records.all_in): whatever the file holds, its problems, stamp and the records SK506
reads are the general path's (the JSON parser, then one json.dumps per test)."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from storykit.core import rules
from storykit.story import records

PLAIN = st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_characters='"\\', blacklist_categories=("Cs",)),
                max_size=10)
TEXT = PLAIN | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)  # escaped when written
FILE = st.sampled_from(["tests/test_a.py", "tests/b.py", "t:c.py", "tests/é.py", "./tests/test_a.py", "tests"])
NODE = st.one_of(st.builds(lambda f, n: f"{f}::{n}", FILE, PLAIN), FILE, TEXT)
OUTCOME = st.sampled_from(["passed", "failed", "error"]) | PLAIN
RUN = st.dictionaries(NODE, st.tuples(OUTCOME, st.none() | TEXT.filter(bool)), max_size=5)
PHASE = st.sampled_from(list(records.PHASES)) | PLAIN
PLAIN_PHASE = st.sampled_from(list(records.PHASES)) | st.text(  # written by json.dumps with ASCII escapes
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e, blacklist_characters='"\\'), max_size=8)
RUNS = st.dictionaries(PHASE, RUN, max_size=4)
EDITS = ["", ",", "\n", " ", '"', "]", "[", "null", '"red": [],', "\t", "x", "\x01", "1", "{}", '"a"', "\r", "\\",
         '"green": [["a", "b", null]],\n', "\x7f", "é", "::", '["tests/b.py::', "\udcff"]  # \udcff: the byte 0xff
FIX = "restore the file from git, or run the tests again"


def written(runs: dict[str, dict[str, tuple[str, str | None]]]) -> str:
    """The evidence file storykit writes for these runs (dump_evidence, the real writer)."""
    return records.dump_evidence({phase: {"tests": {node: f"{outcome} {why}" if why else outcome
                                                    for node, (outcome, why) in tests.items()}}
                                  for phase, tests in runs.items()})


def general(data: bytes) -> records.Filed | None:
    """What check read before: UTF-8, the JSON parser, one json.dumps per test."""
    try:
        stored = records.parse_evidence(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return {phase: (records.tests_digest(tests), [(t.node, t.outcome, t.why) for t in tests])
            for phase, tests in stored.items()}


def reference(story: Path, meta: dict[str, Any]) -> tuple[list[str], records.Filed | None, tuple[int, int] | None]:
    """records.audit_stamped as it was: one stat, the general reader, every run's records."""
    runs = meta.get("runs")
    if not isinstance(runs, dict):
        return [], None, (-1, -1)
    wanted = {str(p): r["evidence"] for p, r in runs.items() if isinstance(r, dict) and r.get("evidence")}
    if not wanted:
        return [], None, (-1, -1)
    path = records.evidence_path(story)
    rel = f"{story.parent.name}/{records.FOLDER}/{path.name}"
    try:
        found_stat = os.stat(path)
    except FileNotFoundError:
        return [f"{rel} is missing: the {next(iter(wanted))} run's per-test records are not there; {FIX}"], None, None
    regular = stat.S_ISREG(found_stat.st_mode)
    stored = general(path.read_bytes()) if regular else None
    stamp = (found_stat.st_size, found_stat.st_mtime_ns) if regular else None
    if stored is None:
        return [f"{rel} is not a storykit evidence file (unreadable JSON, or not [node, outcome, why] records); "
                f"{FIX}"], None, stamp
    found = []
    for phase, digest in wanted.items():
        filed = stored.get(phase)
        if filed is None:
            found.append(f"{rel} has no per-test records for the {phase} run; {FIX}")
        elif filed[0] != digest:
            found.append(f"the per-test records of the {phase} run in {rel} do not match the digest in the front "
                         f"matter (edited by hand?); {FIX}")
    return found, stored, stamp


def same_audit(story: Path, meta: dict[str, Any]) -> None:
    found, stored, stamp = records.audit_stamped(story, meta)
    own = rules.own_files(meta.get("tests"))
    old_found, old_stored, old_stamp = reference(story, meta)
    assert (found, stamp) == (old_found, old_stamp)
    assert (stored is None) == (old_stored is None)
    if stored is None or old_stored is None:
        return
    for phase, entry in stored.items():  # what is returned is the general path's
        assert old_stored[phase] == entry
    for phase, entry in old_stored.items():  # and every run with a test outside the own files is returned
        if not all(node.partition("::")[0] in own for node, _, _ in entry[1]):
            assert stored[phase] == entry


@settings(max_examples=200, derandomize=True, deadline=None)
@given(RUNS, st.data())
@example({"red": {"tests/test_a.py::t": ("failed", "AssertionError")}, "green": {}}, None)
def test_the_canonical_reader_is_the_general_reader_or_stands_aside(runs: dict[str, Any],
                                                                     data: st.DataObject | None) -> None:
    text = written(runs)
    if data is not None:
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(EDITS)) + text[at + data.draw(st.integers(0, 3)):]
    raw = text.encode("utf-8", "surrogateescape")
    quick = records.canonical(raw)
    if quick is None:
        return
    stored = general(raw)
    assert stored is not None and list(quick) == list(stored)
    for phase, lines in quick.items():
        assert "sha256:" + hashlib.sha256(lines).hexdigest() == stored[phase][0]


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.dictionaries(PLAIN_PHASE, st.dictionaries(st.builds(lambda f, n: f"{f}::{n}", FILE, PLAIN) | PLAIN,
                                              st.tuples(OUTCOME, st.none() | PLAIN.filter(bool)), max_size=5),
                       max_size=4))
def test_what_storykit_writes_is_read_by_the_canonical_reader(runs: dict[str, Any]) -> None:
    assert records.canonical(written(runs).encode("utf-8")) is not None


def test_the_canonical_reader_stands_aside_for_anything_else() -> None:
    text = written({"red": {"tests/a.py::t": ("failed", None)}, "green": {"tests/a.py::t": ("passed", None)}})
    assert records.canonical(text.encode()) == {"red": b'["tests/a.py::t", "failed", null]\n',
                                                "green": b'["tests/a.py::t", "passed", null]\n'}
    for other in (text.replace("\n", "\r\n"), text.replace(", null", ",null"),
                  text.replace('"format": 1', '"format": 2'),
                  text.replace('"green"', '"red"'),  # a run twice: the parser keeps the last one
                  text[:-1], text + "\n",
                  text.replace('["tests/a.py::t", "failed"', '["tests/a.py::t\\u0041", "failed"'),
                  text.replace("tests/a.py", "tests/\x01.py")):
        assert records.canonical(other.encode()) is None
    assert records.canonical(text.replace("a.py", "\xe9.py").encode("latin-1")) is None  # not UTF-8
    assert records.canonical(records.dump_evidence({}).encode()) == {}


@settings(max_examples=150, derandomize=True, deadline=None)
@given(RUN, st.sets(FILE, max_size=3))
def test_all_in_says_yes_only_when_every_test_is_in_the_own_files(run: dict[str, Any], own: set[str]) -> None:
    quick = records.canonical(written({"red": run}).encode("utf-8"))
    if quick is None:
        return
    if records.all_in(quick["red"], own):
        assert all(node.partition("::")[0] in own for node in run)
    plain = {f for f in own if ":" not in f}
    if run and all(node.partition("::")[0] in plain and "::" in node for node in run):
        assert records.all_in(quick["red"], own)  # the common case is decided without the records


@settings(max_examples=200, derandomize=True, deadline=None)
@given(RUNS, st.data())
def test_the_audit_is_the_general_one_whatever_the_file_holds(runs: dict[str, Any], data: st.DataObject) -> None:
    text = written(runs)
    digests = {phase: entry[0] for phase, entry in (general(text.encode()) or {}).items()}
    meta_runs: dict[Any, Any] = {}
    for phase in data.draw(st.lists(PHASE | st.sampled_from(list(runs) or ["red"]), max_size=4)):
        digest = data.draw(st.sampled_from([digests.get(phase, "sha256:0"), "sha256:0", None, 7]))
        meta_runs[phase] = {"evidence": digest, "at": "2026-11-29T10:00:00Z"}
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(EDITS)) + text[at + data.draw(st.integers(0, 3)):]
    tests = data.draw(st.lists(FILE | NODE, max_size=3) | st.none() | st.just("tests/test_a.py"))
    with tempfile.TemporaryDirectory() as folder:
        story = Path(folder) / "stories" / "STORY-001-x.md"
        records.evidence_path(story).parent.mkdir(parents=True)
        meta = {"id": "STORY-001", "tests": tests, "runs": meta_runs}
        same_audit(story, meta)  # no evidence file
        records.evidence_path(story).write_bytes(text.encode("utf-8", "surrogateescape"))
        same_audit(story, meta)
        same_audit(story, {"id": "STORY-001", "runs": data.draw(st.sampled_from([None, [], {}, {"red": None}]))})


def test_the_audit_of_an_evidence_path_that_is_not_a_file(tmp_path: Path) -> None:
    story = tmp_path / "stories" / "STORY-001-x.md"
    records.evidence_path(story).mkdir(parents=True)
    meta = {"tests": ["tests/a.py"], "runs": {"red": {"evidence": "sha256:0"}}}
    assert records.audit_stamped(story, meta) == reference(story, meta)
    assert records.audit_stamped(story, meta)[0] == [
        "stories/.evidence/STORY-001-x.json is not a storykit evidence file (unreadable JSON, or not [node, outcome, "
        f"why] records); {FIX}"]


@pytest.mark.parametrize("kind", ["fifo", "link to a file", "link to a folder", "dangling link",
                                  "link to a fifo"])
def test_the_audit_of_an_evidence_path_that_is_not_a_plain_file(tmp_path: Path, kind: str) -> None:
    story = tmp_path / "stories" / "STORY-001-x.md"
    path = records.evidence_path(story)
    path.parent.mkdir(parents=True)
    text = written({"red": {"tests/a.py::t": ("failed", None)}})
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        if kind == "link to a file":
            target.write_text(text, encoding="utf-8")
        elif kind == "link to a folder":
            target.mkdir()
        elif kind == "link to a fifo":
            os.mkfifo(target)
        path.symlink_to(target)
    meta = {"tests": ["tests/a.py"], "runs": {"red": {"evidence": (general(text.encode()) or {})["red"][0]}}}
    same_audit(story, meta)
    found = records.audit_stamped(story, meta)
    if kind == "link to a file":
        assert found[0] == []  # read through the link, as before
    elif kind == "dangling link":
        assert found[0] == [f"stories/.evidence/STORY-001-x.json is missing: the red run's per-test records are not "
                            f"there; {FIX}"]
    else:
        assert found == ([f"stories/.evidence/STORY-001-x.json is not a storykit evidence file (unreadable JSON, or "
                          f"not [node, outcome, why] records); {FIX}"], None, None)


def test_all_in_is_not_fooled_by_a_file_name_that_holds_a_quote() -> None:
    lines = records.canonical(written({"red": {"t[": ("passed::x", None)}}).encode())
    assert lines == {"red": b'["t[", "passed::x", null]\n'}
    assert not records.all_in(lines["red"], {', "passed', "t["})  # '[", "passed::' is no record's start
    assert records.all_in(b'["tests/a.py::t", "passed", null]\n["tests/a.py::u", "failed", "E"]\n', ["tests/a.py"])
    assert records.all_in(b'["tests/a.py::t", "passed", null]\n["tests/a.py::u", "failed", "E"]\n',
                          ["tests/a.py", "tests/a.py"])
    assert not records.all_in(b'["tests/a.py::t", "passed", null]\n["tests/b.py::u", "failed", "E"]\n',
                              ["tests/a.py", "tests/a.py"])  # a file named twice is counted once
