"""Which characters the fast front-matter reader reads itself (storykit.story.frontmatter.sure_text),
against YAML 1.1's printable set written out from the specification, for every code point."""

from __future__ import annotations

import pytest
import yaml

from storykit.story import frontmatter

# YAML 1.1 printable: tab, LF, CR, x20-x7E, NEL, xA0-xD7FF, xE000-xFFFD, x10000-x10FFFF.
PRINTABLE = [(0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0x85, 0x85), (0xA0, 0xD7FF), (0xE000, 0xFFFD),
             (0x10000, 0x10FFFF)]
# Printable, yet read specially by PyYAML (a tab, a line break, a byte order mark): left to it.
SPECIAL = {0x09, 0x0D, 0x85, 0x2028, 0x2029, 0xFEFF}


def test_every_code_point_is_sure_exactly_when_yaml_prints_it_and_pyyaml_reads_it_as_itself() -> None:
    sure = [p for low, high in PRINTABLE for p in range(low, high + 1) if p not in SPECIAL]
    assert frontmatter.sure_text("".join(map(chr, sure)))  # all of them at once: none is unsure
    unsure = sorted(set(range(0x110000)) - set(sure))
    assert len(unsure) == 31 + 1 + 32 + 2048 + 2 + 3  # C0 but LF, DEL, C1 (NEL too), surrogates, U+FFFE/F, LS PS BOM
    assert [hex(p) for p in unsure if frontmatter.sure_text(chr(p))] == []  # each of the others, alone


def test_a_text_is_sure_only_if_every_character_is() -> None:
    assert frontmatter.sure_text("title: Café ✅ 🔴\nstatus: green\n")
    assert not frontmatter.sure_text("title: Café ✅\tx\n")
    assert not frontmatter.sure_text("title: plain ascii\r\n")
    assert not frontmatter.sure_text("title: \u2028 line separator\n")
    assert frontmatter.sure_text("")


@pytest.mark.parametrize("point", [0x0, 0x7, 0x9, 0xD, 0x1B, 0x7F, 0x85, 0x9F, 0x2028, 0x2029, 0xD800, 0xDFFF,
                                   0xFEFF, 0xFFFE, 0xFFFF])
def test_front_matter_with_an_unsure_character_is_left_to_pyyaml(point: int) -> None:
    assert frontmatter.load(f"id: STORY-001\ntitle: a{chr(point)}b\n") is None


@pytest.mark.parametrize("point", [0xA0, 0xD7FF, 0xE000, 0xFEFE, 0xFF00, 0xFFFD, 0x10000, 0x1F534, 0x10FFFF])
def test_front_matter_with_sure_characters_is_read_as_pyyaml_reads_it(point: int) -> None:
    text = f"id: STORY-001\ntitle: a{chr(point)}b\nruns:\n  red:\n    counts:\n      failed: 2\n  green:\n    x: y\n"
    assert frontmatter.load(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "runs:\n  red:\n    counts:\n      failed: 2\n",          # keys with their values on the next lines, nested
    "tests:\n- a.py\n- b.py\nnext: 1\n",                        # a sequence after "key:"
    "a:\nb: 1\n",                                               # "key:" with nothing under it: null
    "a:\n  b:\n  c: 2\n",                                       # a nested "key:" with nothing under it
    "'quoted':\n  x: 1\n",                                      # a quoted key: the general path
    "x:\n  - a\n  - b\n",                                       # an indented sequence
])
def test_keys_whose_values_are_on_the_next_lines_are_read_as_pyyaml_reads_them(text: str) -> None:
    assert frontmatter.load(text) == yaml.safe_load(text)


def test_a_key_yaml_reads_as_a_number_is_left_to_pyyaml() -> None:
    """JSON would read it back as text: what the fast reader returns is JSON-exact."""
    assert frontmatter.load("1:\n  x: 1\n") is None
    assert frontmatter.load("a:\n  2: x\n") is None
