"""The config: [tool.storykit] or storykit.toml read into a typed value, mistakes named."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.project import config


def test_config_unknown_key_suggests(tmp_path: Path) -> None:
    with pytest.raises(StorykitError) as info:
        config.from_mapping(tmp_path, {"stories_dri": "x"})
    assert str(info.value) == "config: unknown storykit setting 'stories_dri'; did you mean 'stories_dir'?"


def test_config_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(StorykitError, match="'min_tests' must be int, not str"):
        config.from_mapping(tmp_path, {"min_tests": "8"})
    with pytest.raises(StorykitError, match="'allow_skips' must be bool"):
        config.from_mapping(tmp_path, {"allow_skips": 1})


def test_config_found_in_parent_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.storykit]\nmin_tests = 3\n')
    (tmp_path / "deep" / "er").mkdir(parents=True)
    loaded = config.load(tmp_path / "deep" / "er")
    assert loaded.root == tmp_path and loaded.min_tests == 3


def test_benchmark_settings_are_read_and_checked(tmp_path: Path) -> None:
    read = config.from_mapping(tmp_path, {"benchmarks": ["python bench.py"], "benchmark_repeats": 7,
                                          "benchmark_statistic": "min", "benchmark_margin": 5})
    assert (read.benchmarks, read.benchmark_repeats, read.benchmark_statistic, read.benchmark_margin) == \
        (("python bench.py",), 7, "min", 5.0)
    defaults = config.from_mapping(tmp_path, {})
    assert (defaults.benchmarks, defaults.benchmark_repeats, defaults.benchmark_statistic,
            defaults.benchmark_margin) == ((), 5, "median", 10.0)
    with pytest.raises(StorykitError, match="'benchmark_repeats' must be at least 1; 5 or more: a single noisy"):
        config.from_mapping(tmp_path, {"benchmark_repeats": 0})
    with pytest.raises(StorykitError, match="'benchmark_statistic' must be one of median, mean, min, not 'p95'"):
        config.from_mapping(tmp_path, {"benchmark_statistic": "p95"})
    with pytest.raises(StorykitError, match="did you mean 'benchmark_margin'"):
        config.from_mapping(tmp_path, {"benchmark_margins": 5})
    with pytest.raises(StorykitError, match="'benchmarks' must be a list of command strings"):
        config.from_mapping(tmp_path, {"benchmarks": ["ok", ""]})
