"""Builds the projects the benchmark measures.

Realistic stories, not stubs: one story per built-in template is taken through the
real cycle once (``storykit new`` -> red -> green -> ``complete``, with real pytest
runs), and its text at each status is kept as a seed.  The N stories of a project
are copies of those seeds with their own id, title, status and dependencies, so the
front matter is as large as a real one (run records of red, green and final runs),
and each story that ran has its evidence file of per-test records, as a real one has.
The copies share their seed's run records, so ``check`` reports them (SK506: a record
copied from another story): the benchmark's project is a harsh one for ``check``.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

TEMPLATES = ("schema-migration", "feature", "bugfix")
SEED_ID = "STORY-001"
SEED_TITLE = "Seed story title"
TESTS = "tests/test_seed.py"
TEST_COUNT = 8
_WORDS = ("tags", "users", "orders", "search", "billing", "audit", "export", "import", "cache", "login",
          "reports", "alerts", "queue", "upload", "profile", "settings", "webhooks", "invoices")
_VERBS = ("Add", "Migrate", "Fix", "Index", "Split", "Speed up", "Validate", "Archive")

# Pinned dates: every project's "init" commit is the same commit, so the seeds' run
# records name a commit in each project's history, as a real project's do (check, SK508).
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@storykit.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@storykit.invalid",
           "GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1"}


def environment(bin_dir: Path, home: Path) -> dict[str, str]:
    """The environment every measured command runs in: the venv first on PATH (its
    ``python`` runs the tests), a private HOME, and a pinned git identity."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON"))}
    env.update(GIT_ENV, HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
               PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "")]), VIRTUAL_ENV=str(bin_dir.parent))
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout[-500:]}")
    return proc.stdout


def tests_source(passing: bool) -> str:
    body = "    assert True\n" if passing else "    assert False, 'not implemented yet'\n"
    return "".join(f"def test_seed_{i}():\n{body}" for i in range(TEST_COUNT))


def init_project(root: Path, storykit: str, env: dict[str, str]) -> None:
    """A git repository with storykit initialised and one commit."""
    root.mkdir(parents=True)
    run(["git", "init", "-q"], root, env)
    run([storykit, "init"], root, env)
    (root / ".gitignore").write_text("__pycache__/\n")  # as any Python project's
    (root / "tests").mkdir()
    (root / TESTS).write_text(tests_source(passing=True))
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-q", "-m", "init"], root, env)


def make_seeds(workdir: Path, storykit: str, env: dict[str, str]) -> dict[tuple[str, ...], str]:
    """(template, status) -> the text of a real story in that status; (template, status,
    "evidence") -> the text of its evidence file (per-test records), once it ran."""
    seeds: dict[tuple[str, ...], str] = {}
    for template in TEMPLATES:
        root = workdir / f"seed-{template}"
        init_project(root, storykit, env)
        path = root / run([storykit, "new", template, "--title", SEED_TITLE, "--tests", TESTS, "--min-tests",
                           str(TEST_COUNT), "--track", "A (Backend)", "--agent", "backend-dev",
                           "--estimate", "1-2 hours"], root, env).strip()
        evidence = path.parent / ".evidence" / f"{path.stem}.json"
        seeds[template, "not-started"] = path.read_text(encoding="utf-8")
        (root / TESTS).write_text(tests_source(passing=False))
        run([storykit, "run-tests", SEED_ID], root, env)
        seeds[template, "red"] = path.read_text(encoding="utf-8")
        seeds[template, "red", "evidence"] = evidence.read_text(encoding="utf-8")
        (root / TESTS).write_text(tests_source(passing=True))
        run([storykit, "run-tests", SEED_ID], root, env)
        seeds[template, "green"] = path.read_text(encoding="utf-8")
        seeds[template, "green", "evidence"] = evidence.read_text(encoding="utf-8")
        path.write_text(path.read_text(encoding="utf-8").replace("- [ ]", "- [x]"), encoding="utf-8")
        run([storykit, "complete", SEED_ID, "--no-commit", "--by", "bench"], root, env)
        seeds[template, "done"] = path.read_text(encoding="utf-8")
        seeds[template, "done", "evidence"] = evidence.read_text(encoding="utf-8")
        shutil.rmtree(root)
    return seeds


def story_id(number: int) -> str:
    return f"STORY-{number:03d}"


def plan(count: int) -> list[dict[str, object]]:
    """Who is what: deterministic ids, titles, templates, statuses and dependencies.

    Finished work comes first (lower ids), as in a real project; a started story
    depends only on done stories, a not-started one on anything before it.
    """
    rng = random.Random(count)
    stories: list[dict[str, object]] = []
    done_ids: list[str] = []
    for number in range(1, count + 1):
        # Earlier stories are further along: about 40% done, 10% green, 15% red overall.
        roll, progress = rng.random(), number / count
        cuts = (("done", 0.8 * (1 - progress)), ("green", 0.10), ("red", 0.15))
        status, edge = "not-started", 0.0
        for name, share in cuts:
            edge += share
            if roll < edge:
                status = name
                break
        pool = done_ids if status != "not-started" else [story_id(n) for n in range(max(1, number - 50), number)]
        deps = sorted(set(rng.sample(pool[-200:], min(len(pool[-200:]), rng.choice((0, 0, 1, 1, 2, 3))))))
        title = f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)} {number}"
        stories.append({"id": story_id(number), "title": title, "status": status, "deps": deps,
                        "template": TEMPLATES[number % len(TEMPLATES)]})
        if status == "done":
            done_ids.append(story_id(number))
    return stories


def _slug(title: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def story_text(seed: str, story: dict[str, object], blocks: list[str]) -> str:
    deps = list(story["deps"])  # type: ignore[call-overload]
    text = seed.replace(SEED_ID, str(story["id"])).replace(SEED_TITLE, str(story["title"]))
    if deps:
        text = text.replace("\ndependencies: []\n", "\ndependencies:\n" + "".join(f"- {d}\n" for d in deps), 1)
        text = text.replace("**Dependencies:** None", "**Dependencies:** " + ", ".join(deps), 1)
    if blocks:
        text = text.replace("**Blocks:** None", "**Blocks:** " + ", ".join(blocks), 1)
    return text


def build_project(root: Path, count: int, seeds: dict[tuple[str, ...], str], storykit: str,
                  env: dict[str, str]) -> None:
    """A committed project of ``count`` stories with an up-to-date tracker."""
    init_project(root, storykit, env)
    stories = plan(count)
    blocks: dict[str, list[str]] = {}
    for story in stories:
        for dep in story["deps"]:  # type: ignore[attr-defined]
            blocks.setdefault(dep, []).append(str(story["id"]))
    folder = root / "stories"
    an_hour_ago = time.time_ns() - 3600 * 10**9  # written earlier, as a real project's stories were
    for story in stories:
        seed = seeds[str(story["template"]), str(story["status"])]
        path = folder / f"{story['id']}-{_slug(str(story['title']))}.md"
        path.write_text(story_text(seed, story, blocks.get(str(story["id"]), [])), encoding="utf-8")
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
        evidence = seeds.get((str(story["template"]), str(story["status"]), "evidence"))
        if evidence is not None:
            (folder / ".evidence").mkdir(exist_ok=True)
            (folder / ".evidence" / f"{path.stem}.json").write_text(evidence, encoding="utf-8")
    run([storykit, "tracker"], root, env)
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-q", "-m", f"{count} stories"], root, env)


def add_branches(root: Path, count: int, env: dict[str, str], first: int, layout: str = "packed") -> None:
    """``count`` branches off HEAD, each adding one story file (ids from ``first``).

    Made with one ``git fast-import``; its pack is then laid out as a real
    repository's would be: ``packed`` as ``git gc`` or a fetch leaves it (one
    repacked pack), ``loose`` as local commits leave them until gc runs (git's
    auto-gc waits for 6,700 loose objects; 500 branches make 2,000).
    """
    head = run(["git", "rev-parse", "HEAD"], root, env).strip()
    stream = bytearray()
    for i in range(count):
        sid = story_id(first + i)
        data = f"---\nid: {sid}\n---\n"
        stream += (f"commit refs/heads/work/{sid.lower()}\n"
                   f"committer bench <bench@storykit.invalid> 1700000000 +0000\n"
                   f"data 9\nadd story\nfrom {head}\n"
                   f"M 100644 inline stories/{sid}-on-a-branch.md\n"
                   f"data {len(data)}\n{data}\n").encode()
    packs = root / ".git" / "objects" / "pack"
    before = set(packs.glob("*.pack")) if packs.is_dir() else set()
    proc = subprocess.run(["git", "fast-import", "--quiet"], cwd=root, env=env, input=bytes(stream),
                          capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git fast-import failed: {proc.stderr.decode(errors='replace')}")
    if layout == "packed":
        run(["git", "repack", "-a", "-d", "-q"], root, env)
        return
    for pack in set(packs.glob("*.pack")) - before:  # unpack what fast-import wrote into loose objects
        data = pack.read_bytes()
        for part in packs.glob(pack.stem + ".*"):
            part.unlink()
        proc = subprocess.run(["git", "unpack-objects", "-q"], cwd=root, env=env, input=data, capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"git unpack-objects failed: {proc.stderr.decode(errors='replace')}")
