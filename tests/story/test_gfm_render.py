"""Test Results rendered by cmark-gfm, GitHub's renderer (issue 11): tables, the
<details> block and fences hold whatever test names contain (pipes, backticks, HTML)."""

from __future__ import annotations

import re


from storykit.story import evidence

HOSTILE = ["tests/t.py::test_pipe[a|b]", "tests/t.py::test_tick[`x`]",
           "tests/t.py::test_html[<script>alert(1)</script>]", "tests/t.py::test_close[</details>]",
           "tests/t.py::test_amp[&lt;b&gt;]"]


def render_html(markdown: str) -> str:
    """GitHub's cmark-gfm, through its Python bindings (``cmarkgfm``, in the test extra),
    as ``cmark-gfm --unsafe --extension table`` renders it."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    # Unsafe passes raw HTML through as GitHub does (before its sanitiser): the
    # <details> block must come through, and no <script> from a test name may.
    return str(cmarkgfm.markdown_to_html_with_extensions(markdown, options=Options.CMARK_OPT_UNSAFE,
                                                         extensions=["table"]))


def story_markdown() -> str:
    red = {name: "failed AssertionError: <b>boom</b> | `x`" for name in HOSTILE}
    green = {**{name: "passed" for name in HOSTILE}, **{f"tests/t.py::test_n{i}": "passed" for i in range(8)}}
    run = {"at": "2026-11-28T10:00:00Z", "commit": "a" * 40, "command": "pytest | tee `log` <x>", "exit_code": 1,
           "duration": 1.0, "total": len(red)}
    meta = {"id": "STORY-001", "status": "green", "tests": ["tests/t.py"],
            "runs": {"red": {**run, "counts": {"failed": len(red)}, "tests": red},
                     "green": {**run, "exit_code": 0, "counts": {"passed": len(green)}, "total": len(green),
                               "tests": green}}}
    outputs = {"red": "```\n</details>\n<script>x</script>\n| a | b |\n", "green": "ok ``` done\n"}
    return ("# STORY-001: hostile names\n\n## Test Results (MANDATORY)\n\n" + evidence.render(meta, outputs)
            + "## Completion Checklist\n\n- [ ] done\n")


def test_hostile_test_names_render_cleanly() -> None:
    html = render_html(story_markdown())
    assert "<script>" not in html and "</script>" not in html
    assert html.count("<table>") == 1
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    assert body.count("<tr>") == len(HOSTILE)  # one row per failing test: no pipe split a row
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        assert row.count("<td>") == 3
    assert html.count("<details>") == 1 and html.count("</details>") == 1
    assert "<summary>13 tests passed</summary>" in html
    assert html.count("<h2>") == 2
    assert "<h2>Completion Checklist</h2>" in html
    assert "<h3>TDD Cycle Evidence</h3>" in html
    assert "test_pipe[a|b]" in html
    assert "test_close[&lt;/details&gt;]" in html
