"""``check`` reads each evidence file once (records.read_filed), and a file with no
backslash without a json.dumps per test: the result is always the general path's
(parse_evidence, then tests_digest per run), whatever the file holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from storykit.story import records

# Text a test id, an outcome or a reason may hold: plain, or what JSON must escape.
TEXT = st.one_of(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e, blacklist_characters='"\\'),
                         max_size=12),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))  # a file is UTF-8
OUTCOME = st.sampled_from(["passed", "failed", "error", "skipped", "xfailed"]) | st.text(
    alphabet=st.characters(blacklist_characters=" ", blacklist_categories=("Cs",)), min_size=1, max_size=6)
PHASE = st.sampled_from(list(records.PHASES)) | TEXT
RUN = st.dictionaries(TEXT, st.tuples(OUTCOME, st.none() | TEXT.filter(bool)), max_size=5)
RUNS = st.dictionaries(PHASE, RUN, max_size=4)
PLAIN = st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_characters='"\\', blacklist_categories=("Cs",)),
                max_size=12)
PLAIN_PHASE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e, blacklist_characters='"\\'),
                      max_size=8)  # written by json.dumps with ASCII escapes


def general(text: str) -> records.Filed | None:
    """What check read before: the JSON parser, then one json.dumps per test for the digest."""
    try:
        stored = records.parse_evidence(text)
    except ValueError:
        return None
    return {phase: (records.tests_digest(tests), [(t.node, t.outcome, t.why) for t in tests])
            for phase, tests in stored.items()}


def written(runs: dict[str, dict[str, tuple[str, str | None]]]) -> str:
    """The evidence file storykit writes for these runs (dump_evidence, the real writer)."""
    return records.dump_evidence({phase: {"tests": {node: f"{outcome} {why}" if why else outcome
                                                    for node, (outcome, why) in tests.items()}}
                                  for phase, tests in runs.items()})


@settings(max_examples=150, derandomize=True, deadline=None)
@given(RUNS)
@example({"red": {'tests/a.py::t["x"]': ("failed", "Assertion\\Error")}})
@example({"green": {}})
@example({"red": {"tests/a.py::t[é-\U0001f600]": ("failed", "x\x7f\u2028y")}})
def test_a_written_file_is_read_as_the_parser_reads_it(runs: dict[str, dict[str, tuple[str, str | None]]]) -> None:
    text = written(runs)
    assert records.filed_of(text) == general(text)


@settings(max_examples=80, derandomize=True, deadline=None)
@given(st.dictionaries(st.sampled_from(list(records.PHASES)) | PLAIN_PHASE,
                       st.dictionaries(PLAIN, st.tuples(st.sampled_from(["passed", "failed"]), st.none() | PLAIN),
                                       min_size=1, max_size=5),
                       min_size=1, max_size=4))
def test_what_storykit_usually_writes_takes_the_fast_path(
        runs: dict[str, dict[str, tuple[str, str | None]]]) -> None:
    text = written(runs)
    assert "\\" not in text  # what filed_of reads without a json.dumps per test
    found = records.filed_of(text)
    assert found is not None and found == general(text)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(RUNS, st.data())
def test_any_edit_of_a_written_file_is_read_exactly_or_left_to_the_parser(
        runs: dict[str, dict[str, tuple[str, str | None]]], data: st.DataObject) -> None:
    text = written(runs)
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    inserted = data.draw(st.sampled_from(["", ",", "\n", " ", '"', "]", "[", "null", '"red": [],', "\t", "x", "\x01",
                                          "1", "{}", '"a"', "\r", "\r\n"]))
    edited = text[:at] + inserted + text[at + cut:]
    assert records.filed_of(edited) == general(edited)
    # read from a file as bytes (no newline translation) as read_evidence reads it as text
    with tempfile.TemporaryDirectory() as folder:
        story = Path(folder) / "STORY-001-x.md"
        records.evidence_path(story).parent.mkdir()
        records.evidence_path(story).write_bytes(edited.encode("utf-8"))
        stored = records.read_evidence(story)
        assert records.read_filed(story) == (None if stored is None else {
            phase: (records.tests_digest(tests), [(t.node, t.outcome, t.why) for t in tests])
            for phase, tests in stored.items()})


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(alphabet='{}[]",: \nabnulredgxf1\x00\x1f\u00e9', max_size=60))
def test_arbitrary_text_is_read_exactly_or_left_to_the_parser(text: str) -> None:
    for candidate in (text, '{"runs": {' + text + "}}", '{"runs": {"red": [' + text + "]}}",
                      '{"runs": {"red": [["' + text + '", "failed", null]]}}'):
        assert records.filed_of(candidate) == general(candidate)


def test_read_filed_reads_the_file_once_as_read_evidence_does(tmp_path: Path) -> None:
    story = tmp_path / "stories" / "STORY-001-x.md"
    story.parent.mkdir()
    path = records.evidence_path(story)
    assert records.read_filed(story) is None  # no file
    path.parent.mkdir()
    runs = {"red": {"tests/test_x.py::test_a": ("failed", "AssertionError"),
                    "tests/test_x.py::test_b": ("passed", None)},
            "green": {"tests/test_x.py::test_a": ("passed", None)}}
    path.write_text(written(runs), encoding="utf-8")
    expected = {phase: (records.tests_digest(tests), [(t.node, t.outcome, t.why) for t in tests])
                for phase, tests in (records.read_evidence(story) or {}).items()}
    assert records.read_filed(story) == expected
    assert list(expected) == ["red", "green"]
    path.write_text(written(runs).replace("\n", "\r\n"), encoding="utf-8")  # read as text: line ends translated
    assert records.read_filed(story) == expected
    path.write_text('{"runs": {"red": [["a", "failed", null]]}}', encoding="utf-8")  # any JSON layout: the parser
    assert records.read_filed(story) == {"red": (records.tests_digest([records.TestRecord("a", "failed")]),
                                                 [("a", "failed", None)])}
    path.write_bytes(b'{"runs": {"red": [["\xff", "failed", null]]}}')
    assert records.read_filed(story) is None and records.read_evidence(story) is None  # not UTF-8
    path.write_text('{"runs": {"red": [["a", "failed"]]}}', encoding="utf-8")
    assert records.read_filed(story) is None and records.read_evidence(story) is None  # not a record
    path.unlink()
    path.mkdir()
    assert records.read_filed(story) is None and records.read_evidence(story) is None  # not a regular file


def test_audit_names_the_problems_problems_names(tmp_path: Path) -> None:
    story = tmp_path / "stories" / "STORY-001-x.md"
    story.parent.mkdir()
    runs = {"red": {"tests/test_x.py::test_a": ("failed", None)}}
    digest = records.tests_digest([records.TestRecord("tests/test_x.py::test_a", "failed")])
    meta = {"id": "STORY-001", "runs": {"red": {"evidence": digest}, "green": {"evidence": "sha256:0"}}}
    assert records.audit(story, meta) == (records.problems(story, meta), None)
    assert records.problems(story, meta) == [
        "stories/.evidence/STORY-001-x.json is missing: the red run's per-test records are not there; restore the "
        "file from git, or run the tests again"]
    records.evidence_path(story).parent.mkdir()
    records.evidence_path(story).write_text(written(runs), encoding="utf-8")
    found, filed = records.audit(story, meta)
    assert found == records.problems(story, meta) == [
        "stories/.evidence/STORY-001-x.json has no per-test records for the green run; restore the file from git, "
        "or run the tests again"]
    assert filed == {"red": (digest, [("tests/test_x.py::test_a", "failed", None)])}
    assert records.audit(story, {"runs": {"red": {"at": "x"}}}) == ([], None)  # no run's records in a file: not read
