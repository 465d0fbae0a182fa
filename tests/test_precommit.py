"""The pre-commit hook, run for real: pre-commit builds its own virtualenv, pip-installs this
checkout into it and runs ``honestreach check`` on the files of a temporary git repository.

``pre-commit try-repo`` installs the hook into a temporary store on every call (about 25 s
each here, pip's own cache warm); the installed hook's environment is built once a session, in
one PRE_COMMIT_HOME shared by the tests.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[1]


def _pre_commit() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


PRE_COMMIT = _pre_commit()
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(PRE_COMMIT is None,
                       reason="pre-commit is not installed (pip install '.[test]')"),
]

GOOD_TEMPLATE = """\
{# Subject: Notes from the supply chain forum #}
{% if contact.first_name %}Hi {{ contact.first_name }},{% else %}Hello,{% endif %}

Here are the notes from the supply chain forum in Toronto. Would a short call next week help
your team plan the pilot?

Best,
Maya Okafor
Tallwater Analytics, 418 Harbor Street, Portland, OR 97204, USA
Not interested? Reply "unsubscribe" and I won't email you again.
"""

# Hard-coded scarcity and a same-day deadline, sent to everyone the template reaches.
BAD_TEMPLATE = """\
{# Subject: Last chance, {{ contact.first_name }} #}
Hi {{first_name}},

Only 3 spots left, and this offer expires tonight. Act now!

Maya Okafor
Tallwater Analytics, 418 Harbor Street, Portland, OR 97204, USA
Not interested? Reply "unsubscribe" and I won't email you again.
"""

GOOD_DRAFT = """\
Subject: Notes from the forum
To: dana@example.com

Hi Dana,

Here are the notes from the supply chain forum in Toronto. Would a short call next week help
your team plan the pilot?

Best,
Maya Okafor
Tallwater Analytics, 418 Harbor Street, Portland, OR 97204, USA
Not interested? Reply "unsubscribe" and I won't email you again.
"""

BAD_DRAFT = GOOD_DRAFT.replace(
    "Here are the notes", "This offer expires at midnight tonight. Here are the notes")


def _git_env(home: Path) -> dict[str, str]:
    """Git and pre-commit isolated from the machine's settings (no global hooks path)."""
    config = home / "gitconfig"
    if not config.exists():
        config.write_text("[user]\n\tname = Test\n\temail = test@example.com\n"
                          "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n"
                          "[safe]\n\tdirectory = *\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
               PRE_COMMIT_HOME=str(home / "pre-commit"), PRE_COMMIT_COLOR="never",
               NO_COLOR="1")
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str],
         timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    completed = _run(["git", *args], cwd, env)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session: the hook's environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repo(session_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout as pre-commit will install it: the repository and the commit.

    ``try-repo`` adds a checkout's uncommitted changes to tracked files but not files that are
    not committed yet (``.pre-commit-hooks.yaml`` itself, before its first commit). A checkout
    with such files is snapshotted first: its working tree, as it is, in a fresh repository.
    """
    env = _git_env(session_home)
    inside = _run(["git", "rev-parse", "--show-toplevel"], CHECKOUT, env)
    if inside.returncode == 0 and Path(inside.stdout.strip()).resolve() == CHECKOUT:
        status = _git(CHECKOUT, env, "status", "--porcelain", "--untracked-files=all")
        if not status:
            return CHECKOUT, _git(CHECKOUT, env, "rev-parse", "HEAD")
        listed = _git(CHECKOUT, env, "ls-files", "-z", "--cached", "--others",
                      "--exclude-standard").split("\0")
        files = [CHECKOUT / name for name in listed if name]
    else:  # not a git checkout (an unpacked sdist): everything but caches and environments
        skip = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache",
                ".mypy_cache", ".ruff_cache", ".honestreach_cache"}
        files = [p for p in CHECKOUT.rglob("*")
                 if p.is_file() and not skip & set(p.relative_to(CHECKOUT).parts)]
    snapshot = tmp_path_factory.mktemp("checkout-snapshot")
    for source in files:
        if source.is_file():
            target = snapshot / source.relative_to(CHECKOUT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(snapshot, env, "init", "-q")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "-m", "snapshot of the working tree")
    return snapshot, _git(snapshot, env, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: Path, session_home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A repository of outreach templates and drafts that uses the hook."""
    env = _git_env(session_home)
    repo_path, rev = hook_repo
    files = {
        "templates/good.txt.j2": GOOD_TEMPLATE,
        "templates/bad.txt.j2": BAD_TEMPLATE,
        "drafts/good.txt": GOOD_DRAFT,
        "drafts/bad.txt": BAD_DRAFT,
        # Files with a message suffix that are not messages: the hook leaves them alone.
        "README.md": "# Outreach\n\nOnly 3 spots left, offer expires tonight. Act now!\n",
        "requirements.txt": "honestreach\n",
        "constraints.txt": "jinja2<4\n",
        "docs/writing-guide.md": "# Writing guide\n\nNever write 'only 3 spots left, act "
                                 "now!' in a sales email.\n",
        # Warnings (scarcity, urgency) fail the commit too; drafts/ holds outreach drafts.
        ".honestreach.yaml": "fail-on: warning\noutreach-files: [drafts/]\n",
        ".pre-commit-config.yaml": yaml.safe_dump({"repos": [{
            "repo": str(repo_path), "rev": rev, "hooks": [{"id": "honestreach"}]}]}),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    _git(tmp_path, env, "init", "-q")
    return tmp_path


def try_repo(project: Path, session_home: Path, repo: Path,
             *files: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    started = time.perf_counter()
    completed = _run([*PRE_COMMIT, "try-repo", str(repo), "honestreach", "--verbose",
                      "--files", *files], project, _git_env(session_home))
    elapsed = time.perf_counter() - started
    print(f"pre-commit try-repo {' '.join(files)}: {elapsed:.1f} s")
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stdout
    return completed


def test_the_hook_definition_is_what_pre_commit_expects():
    (hook,) = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "honestreach"
    assert hook["entry"] == "honestreach check --outreach-only"
    assert hook["language"] == "python"
    assert hook["require_serial"] is False and hook["pass_filenames"] is True
    import re

    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in ("a.eml", "d/b.txt", "c.md", "x.html", "x.HTM", "t/welcome.txt.j2",
                 "t/w.html.jinja", "t/w.eml.jinja2"):
        assert files.search(name) and not exclude.search(name), name
    for name in ("README.md", "docs/CHANGELOG.md", "requirements-dev.txt", "LICENSE.txt"):
        assert files.search(name) and exclude.search(name), name
    for name in ("app.py", "data.json", "notes.txt.bak"):
        assert not files.search(name), name


def test_try_repo_fails_the_bad_template_and_passes_the_good_one(project, session_home,
                                                                 hook_repo):
    # try-repo installs the hook into a temporary store of its own on every call (~25 s).
    repo, _ = hook_repo
    _git(project, _git_env(session_home), "add", "-A")

    bad = try_repo(project, session_home, repo, "templates/bad.txt.j2")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "templates/bad.txt.j2:" in bad.stdout and "same-day-deadline" in bad.stdout
    assert "Failed" in bad.stdout

    # docs, a README and requirements files are never checked as emails
    good = try_repo(project, session_home, repo, "templates/good.txt.j2", "README.md",
                    "docs/writing-guide.md", "constraints.txt", "requirements.txt")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout and "templates/good.txt.j2: respect" in good.stdout
    for name in ("README", "writing-guide", "constraints", "requirements"):
        assert name not in good.stdout, good.stdout


def test_installed_hook_checks_drafts_and_stops_a_bad_commit(project, session_home):
    # `pre-commit install` and `git commit` use the session's PRE_COMMIT_HOME: installed once.
    env = _git_env(session_home)
    assert PRE_COMMIT is not None
    installed = _run([*PRE_COMMIT, "install"], project, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def run_hook(*files: str) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        completed = _run([*PRE_COMMIT, "run", "--verbose", "--files", *files], project, env)
        print(f"pre-commit run {' '.join(files)}: {time.perf_counter() - started:.1f} s")
        return completed

    bad = run_hook("drafts/bad.txt", "drafts/good.txt")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "drafts/bad.txt:" in bad.stdout and "same-day-deadline" in bad.stdout
    assert "drafts/good.txt: respect" in bad.stdout  # both files were checked
    good = run_hook("drafts/good.txt", "README.md", "requirements.txt", "constraints.txt",
                    "docs/writing-guide.md")
    assert good.returncode == 0, good.stdout + good.stderr
    for name in ("README", "requirements", "constraints", "writing-guide"):
        assert name not in good.stdout, good.stdout

    _git(project, env, "add", ".pre-commit-config.yaml", ".honestreach.yaml",
         "templates/bad.txt.j2")
    refused = _run(["git", "commit", "-m", "Add the renewal template"], project, env)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "templates/bad.txt.j2:" in refused.stdout + refused.stderr
    assert _run(["git", "rev-parse", "--verify", "HEAD"], project, env).returncode != 0

    _git(project, env, "rm", "-q", "--cached", "templates/bad.txt.j2")
    _git(project, env, "add", "templates/good.txt.j2", "drafts/good.txt")
    accepted = _run(["git", "commit", "-m", "Add the forum follow-up"], project, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert _git(project, env, "log", "--format=%s") == "Add the forum follow-up"
