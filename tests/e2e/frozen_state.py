"""A snapshot of a project for "nothing changed" assertions: every file's bytes
(git's own folder aside) and the git index (``git ls-files -s``)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def state(root: Path) -> tuple[dict[str, bytes], str]:
    """Every file under ``root`` outside .git and .storykit (storykit's git-ignored
    logs and cache), with its bytes, and the index as git lists it."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
             if p.is_file() and not p.is_symlink() and ".git" not in p.relative_to(root).parts
             and ".storykit" not in p.relative_to(root).parts and "__pycache__" not in p.parts}
    index = subprocess.run(["git", "ls-files", "-s"], cwd=root, capture_output=True, text=True,
                           check=True).stdout
    return files, index
