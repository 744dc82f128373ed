"""A configured test_command: placeholders expanded, leading NAME=value words as environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.runners.command import custom_command, split_env

JUNIT = Path("out/junit.xml")


def test_tests_as_a_word_become_one_argument_each_and_extra_comes_last() -> None:
    command = custom_command("npx vitest run {tests} --outputFile={junit}", ["a.test.ts", "b.test.ts"],
                             ["--bail"], JUNIT)
    assert command == ["npx", "vitest", "run", "a.test.ts", "b.test.ts", "--outputFile=out/junit.xml", "--bail"]


def test_tests_inside_a_word_are_joined_and_quotes_are_shell_style() -> None:
    command = custom_command("sh -c 'node --test {tests}'", ["a.js", "b.js"], [], JUNIT)
    assert command == ["sh", "-c", "node --test a.js b.js"]


def test_a_bad_or_empty_command_is_refused_with_a_hint() -> None:
    with pytest.raises(StorykitError, match=r"^test_command is not a valid command line \(No closing quotation\)"):
        custom_command("node 'unclosed", [], [], JUNIT)
    with pytest.raises(StorykitError, match="^test_command is empty; set test_command in the config"):
        custom_command("CI=1 {tests}", [], [], JUNIT)


def test_leading_assignments_are_environment_and_the_rest_is_the_command() -> None:
    command = custom_command("JEST_JUNIT_OUTPUT_FILE={junit} CI=1 npx jest {tests}", ["x.test.js"], [], JUNIT)
    assert split_env(command) == ({"JEST_JUNIT_OUTPUT_FILE": "out/junit.xml", "CI": "1"},
                                  ["npx", "jest", "x.test.js"])
    assert split_env(["node", "A=1"]) == ({}, ["node", "A=1"])
    assert split_env(["1X=2", "go"]) == ({}, ["1X=2", "go"])
    assert split_env(["A=b=c"]) == ({"A": "b=c"}, [])
