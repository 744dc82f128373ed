"""The settings of one test run: the option, else the story, else the config.

(The end-to-end cases of ``min_tests: null`` are in tests/core/test_run_settings.py.)"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from types import SimpleNamespace

import pytest

from storykit.core.settings import RunSettings, resolve

CONFIG = SimpleNamespace(min_tests=2, timeout=60.0, allow_skips=True)


def test_without_story_keys_or_option_the_config_applies() -> None:
    assert resolve({}, CONFIG) == RunSettings(timeout=60.0, min_tests=2, allow_skips=True)


def test_the_story_beats_the_config_and_its_text_values_are_converted() -> None:
    settings = resolve({"timeout": "7.5", "min_tests": "3"}, CONFIG)
    assert settings == RunSettings(timeout=7.5, min_tests=3, allow_skips=True)
    assert isinstance(settings.timeout, float) and isinstance(settings.min_tests, int)


def test_the_option_beats_the_story_timeout_but_not_its_min_tests() -> None:
    assert resolve({"timeout": 5, "min_tests": 4}, CONFIG, timeout=1.0) == RunSettings(1.0, 4, True)


def test_a_story_timeout_of_zero_or_null_falls_back_to_the_config() -> None:
    assert resolve({"timeout": 0}, CONFIG).timeout == 60.0
    assert resolve({"timeout": None, "min_tests": None}, CONFIG) == RunSettings(60.0, 2, True)
    assert resolve({"min_tests": 0}, CONFIG).min_tests == 0
    assert resolve({}, SimpleNamespace(min_tests=1, timeout=None, allow_skips=False)).timeout is None


def test_settings_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        resolve({}, CONFIG).min_tests = 5  # type: ignore[misc]
