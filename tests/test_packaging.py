"""The wheel: built with `python -m build`, installed into a clean venv, `citebot chat` answers from it.

The wheel is built once per run (pytest-xdist's workers share it under a lock) from a copy of what the
build reads (pyproject.toml, the README, the folders of `package-dir`), so the build writes no `build/` or
`*.egg-info` into the repo and no stale `build/lib` left by an earlier build can slip into the wheel.
`--no-isolation`: setuptools is already installed (the `test` extra), and nothing is downloaded.

The venv is made without pip and the wheel installed into it offline with this interpreter's pip
(`--python`, pip >= 22.3; else the venv gets its own pip from ensurepip, also offline). Only then is the
running interpreter's site-packages listed in a `.pth` file of the venv, so the project's dependencies
import there. Plain paths in a `.pth` are not processed as site directories, so the editable install's
finder (a `.pth` in that site-packages) stays inactive: `citebot` in the venv can only come from the wheel,
which the tests check.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
PACKAGE_DIRS = PYPROJECT["tool"]["setuptools"]["package-dir"]  # {"citebot.bot": "bot", "citebot.index": "index"}


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 120)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)


def _explain(run: subprocess.CompletedProcess) -> str:
    return f"exit {run.returncode}\n--- stdout\n{run.stdout[-3000:]}\n--- stderr\n{run.stderr[-3000:]}"


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could put the repo on the path or configure citebot."""
    drop = ("PYTHON", "VIRTUAL_ENV", "TELEGRAM_", "INDEX_", "ARTICLES_", "CITEBOT_", "__PYVENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(PYTHONNOUSERSITE="1", PYTHONIOENCODING="utf-8", **extra)
    return env


def _pip_has_python_option() -> bool:
    run = _run([sys.executable, "-m", "pip", "--version"])
    found = re.match(r"pip (\d+)\.(\d+)", run.stdout)
    return bool(found) and (int(found[1]), int(found[2])) >= (22, 3)


@contextlib.contextmanager
def _shared(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder of this test run that pytest-xdist's workers share, and whether it is ready, under a lock.

    The first worker to take the lock builds (and marks the folder ready); the other waits on the lock and
    reuses it, so the wheel and the venv are made once per run however the tests are spread.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, ready = root / name, root / f"{name}.ready"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not ready.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
        yield folder, ready.exists()
        ready.touch()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """citebot's wheel, built by `python -m build --wheel --no-isolation` from a copy of the sources.

    The copy stays beside it (`wheel.parent.parent / "src"`): what the wheel must hold is read from there,
    since the repo's folders may change while the tests run.
    """
    with _shared(tmp_path_factory, "citebot-wheel") as (work, ready):
        src, out = work / "src", work / "dist"
        if not ready:
            src.mkdir()
            shutil.copy2(ROOT / "pyproject.toml", src)
            shutil.copy2(ROOT / PYPROJECT["project"]["readme"], src)
            for folder in PACKAGE_DIRS.values():
                shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            run = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, src], cwd=src)
            assert run.returncode == 0, _explain(run)
        wheels = list(out.glob("*.whl"))
        assert len(wheels) == 1, wheels
        return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A fresh venv (in tmp) with the wheel installed, the project's dependencies importable, and no repo."""
    with _shared(tmp_path_factory, "citebot-venv") as (home, ready):
        env_dir = home / "venv"
        bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
        python = bin_dir / ("python.exe" if os.name == "nt" else "python")
        if not ready:
            pip_python = _pip_has_python_option()
            venv.create(env_dir, with_pip=not pip_python, symlinks=os.name != "nt")
            pip = [sys.executable, "-m", "pip", "--python", python] if pip_python else [python, "-m", "pip"]
            run = _run([*pip, "install", "--no-deps", "--no-index", "--no-compile", "--disable-pip-version-check",
                        wheel], cwd=home, env=_clean_env())
            assert run.returncode == 0, _explain(run)
        run = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=home, env=_clean_env())
        purelib = Path(run.stdout.strip())
        assert run.returncode == 0 and purelib.is_dir() and purelib.is_relative_to(env_dir), _explain(run)
        if not ready:
            # Only now (pip must see an empty venv): the dependencies, as plain paths (no .pth processing there).
            host = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
            if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
                host.add(site.getusersitepackages())
            (purelib / "_citebot_test_host_site.pth").write_text("".join(f"{p}\n" for p in sorted(host)),
                                                                 encoding="utf-8")
        return SimpleNamespace(home=home, python=python, citebot=bin_dir / "citebot", purelib=purelib)


def test_wheel_holds_the_packages_and_their_data_under_citebot(wheel: Path) -> None:
    src = wheel.parent.parent / "src"  # the sources it was built from
    names = set(zipfile.ZipFile(wheel).namelist())
    dist_info = f"citebot-{VERSION}.dist-info"
    # Nothing named plain `bot` or `index` (or tests, benchmarks) at the top of site-packages.
    assert {name.split("/")[0] for name in names} == {"citebot", dist_info}
    expected = set()
    for package, folder in PACKAGE_DIRS.items():
        base = package.replace(".", "/")
        expected |= {f"{base}/{p.relative_to(src / folder).as_posix()}" for p in (src / folder).rglob("*.py")}
    bundled = sorted((src / "index" / "bundled").glob("*.txt"))
    catalogs = sorted((src / "bot" / "locale").glob("*/LC_MESSAGES/*.mo"))
    assert len(bundled) >= 5 and len(catalogs) >= 2  # the five articles; the uk and ru catalogs
    expected |= {f"citebot/index/bundled/{p.name}" for p in bundled}
    expected |= {f"citebot/bot/{p.relative_to(src / 'bot').as_posix()}" for p in catalogs}
    expected |= {"citebot/bot/__init__.py", "citebot/bot/cli.py", "citebot/index/__init__.py",
                 "citebot/bot/answerability.txt"}
    assert not expected - names, sorted(expected - names)
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    entry_points = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert re.search(r"^citebot = citebot\.bot\.cli:main$", entry_points, re.M), entry_points


def test_venv_imports_citebot_from_the_wheel_not_the_repo(installed: SimpleNamespace) -> None:
    probe = (
        "import importlib.metadata, importlib.util, json, citebot.bot, citebot.index\n"
        "from citebot.bot.config import BUNDLED_ARTICLES\n"
        "print(json.dumps({'bot': citebot.bot.__file__, 'index': citebot.index.__file__,\n"
        "    'namespace': list(citebot.__path__), 'bundled': str(BUNDLED_ARTICLES),\n"
        "    'articles': len(list(BUNDLED_ARTICLES.glob('*.txt'))),\n"
        "    'dist': str(importlib.metadata.distribution('citebot').locate_file('')),\n"
        "    'plain': [n for n in ('bot', 'index') if importlib.util.find_spec(n)]}))\n"
    )
    run = _run([installed.python, "-c", probe], cwd=installed.home, env=_clean_env())
    assert run.returncode == 0, _explain(run)
    found = json.loads(run.stdout)
    purelib = installed.purelib.resolve()
    for key in ("bot", "index", "bundled", "dist"):
        assert Path(found[key]).resolve().is_relative_to(purelib), (key, found[key])
    assert [Path(p).resolve() for p in found["namespace"]] == [purelib / "citebot"]
    assert found["articles"] >= 5
    assert found["plain"] == []
    assert not (installed.purelib / "bot").exists() and not (installed.purelib / "index").exists()


def test_venv_citebot_version(installed: SimpleNamespace) -> None:
    run = _run([installed.citebot, "--version"], cwd=installed.home, env=_clean_env())
    assert run.returncode == 0, _explain(run)
    assert run.stdout.strip() == f"citebot {VERSION}"


def test_venv_citebot_chat_answers_from_the_bundled_articles(installed: SimpleNamespace, tmp_path: Path) -> None:
    data = tmp_path / "data"
    index = data / "citebot" / "index.sqlite"
    run = _run([installed.citebot, "chat"], input="Where did Vitaly Gur die?\n/quit\n", cwd=tmp_path,
               env=_clean_env(XDG_DATA_HOME=str(data), INDEX_PATH=str(index)), timeout=60)
    assert run.returncode == 0, _explain(run)
    assert "Traceback" not in run.stderr, _explain(run)
    assert "[001_" in run.stdout and "hospital" in run.stdout, _explain(run)  # "Vitaly Gur died on his way to hospital"
    assert index.is_file()  # built there from the wheel's bundled articles on first use
    assert str(ROOT / "index" / "bundled") not in run.stdout + run.stderr, _explain(run)  # not the repo's copy
