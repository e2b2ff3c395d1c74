"""The local Neo4j launcher (docker/neo4j_launcher.py) and the session server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import neo4j
import neo4j_launcher
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Neo4jServer

pytestmark = pytest.mark.neo4j


def _processes_naming(text: str) -> list[str]:
    """Command lines of live processes that contain ``text``."""
    proc = Path("/proc")
    if not proc.is_dir():
        listing = subprocess.run(
            ["ps", "-eo", "command="], capture_output=True, text=True, check=True
        )
        return [line for line in listing.stdout.splitlines() if text in line]
    found = []
    for cmdline in proc.glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if text in command:
            found.append(command)
    return found


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_session_server_answers_and_runs_5_26(
    neo4j_server: Neo4jServer, neo4j_driver: neo4j.Driver
) -> None:
    records, _, _ = neo4j_driver.execute_query(
        "RETURN 1 AS one", database_=neo4j_server.database
    )
    assert [record["one"] for record in records] == [1]
    records, _, _ = neo4j_driver.execute_query(
        "CALL dbms.components() YIELD name, versions "
        "WHERE name = 'Neo4j Kernel' RETURN versions[0] AS version",
        database_=neo4j_server.database,
    )
    assert records[0]["version"].startswith("5.26.")


@pytest.mark.slow
def test_throwaway_server_with_auth_stops_without_leaving_a_process(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    info = neo4j_launcher.start(
        home, auth=True, heap="256m", pagecache="16m", stop_with=os.getpid()
    )
    try:
        assert neo4j_launcher.status(home) == info
        recorded = json.loads((home / "run" / "server.json").read_text())
        assert recorded["pid"] == info.pid
        assert recorded["bolt_uri"] == info.uri
        assert recorded["password"] == info.password != ""
        assert info.version == neo4j_launcher.installed_version()
        with neo4j.GraphDatabase.driver(info.uri, auth=info.auth) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
            assert records[0]["one"] == 1
        wrong = (info.user, info.password + "-wrong")
        with (
            neo4j.GraphDatabase.driver(info.uri, auth=wrong) as driver,
            pytest.raises(neo4j.exceptions.AuthError),
        ):
            driver.execute_query("RETURN 1")
        assert len(_processes_naming(f"--home-dir={home}")) == 1
    finally:
        stopped = neo4j_launcher.stop(home)

    assert stopped
    assert not _pid_exists(info.pid)
    assert _processes_naming(f"--home-dir={home}") == []
    assert neo4j_launcher.status(home) is None
    assert not (home / "run" / "server.json").exists()
    assert neo4j_launcher.stop(home) is False
    # its watchdog (this process is alive) saw the server stop and ended too
    assert _eventually(lambda: _processes_naming(f"watch --home {home}") == [])


def _eventually(check: Callable[[], bool], seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


_OWNER = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import neo4j_launcher
info = neo4j_launcher.start(
    Path(sys.argv[2]), auth=False, heap="256m", pagecache="16m", stop_with=os.getpid()
)
print(info.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_a_server_tied_to_a_process_stops_when_that_process_is_killed(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    launcher_dir = Path(neo4j_launcher.__file__).resolve().parent
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(launcher_dir), str(home)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        server = int(owner.stdout.readline())
        assert _pid_exists(server)
        owner.kill()  # SIGKILL: nothing in the owner can clean up
        owner.wait()
        assert _eventually(lambda: not _pid_exists(server))
        assert neo4j_launcher.status(home) is None
        assert not (home / "run" / "server.json").exists()
        assert _processes_naming(f"--home-dir={home}") == []
        assert _eventually(lambda: _processes_naming(f"watch --home {home}") == [])
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
        neo4j_launcher.stop(home)


def test_status_and_stop_ignore_a_pid_that_is_not_this_homes_server(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    assert neo4j_launcher.status(home) is None
    assert neo4j_launcher.stop(home) is False
    # A record left behind whose pid now belongs to another process (this one).
    (home / "run").mkdir(parents=True)
    record = {
        "pid": os.getpid(),
        "bolt_uri": "bolt://127.0.0.1:1",
        "user": "neo4j",
        "password": "",
        "version": "5.26.0",
        "home": str(home),
    }
    (home / "run" / "server.json").write_text(json.dumps(record))

    assert neo4j_launcher.status(home) is None
    assert neo4j_launcher.stop(home, timeout=1) is False  # and we are still here
    assert not (home / "run" / "server.json").exists()


def test_fetch_is_idempotent_and_needs_no_maven_the_second_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lib = neo4j_launcher.fetch()
    marker = lib / neo4j_launcher.VERSION_MARKER
    before = (marker.read_text(), marker.stat().st_mtime_ns)
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn (nor anything) from here on
    assert shutil.which("mvn") is None

    assert neo4j_launcher.fetch() == lib
    assert (marker.read_text(), marker.stat().st_mtime_ns) == before
    assert neo4j_launcher.installed_version(lib) == before[0].strip()


@pytest.mark.parametrize("jars_without_marker", [False, True])
def test_fetch_without_maven_fails_clearly_unless_complete(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jars_without_marker: bool
) -> None:
    lib = tmp_path / "lib"
    if jars_without_marker:  # e.g. an interrupted copy: not complete
        lib.mkdir()
        (lib / "neo4j-kernel-5.26.0.jar").write_bytes(b"")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(neo4j_launcher.LauncherError, match=r"Maven \(mvn\)"):
        neo4j_launcher.fetch(lib)


def test_admin_runs_neo4j_admin_of_the_same_installation(tmp_path: Path) -> None:
    done = neo4j_launcher.admin(tmp_path / "home", "--version")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == neo4j_launcher.installed_version()


def test_auth_mode_of_a_home_is_fixed_at_its_first_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    credentials = {"auth": True, "user": "neo4j", "password": "generated-once"}
    (home / "conf" / "credentials.json").write_text(json.dumps(credentials))

    with pytest.raises(neo4j_launcher.LauncherError, match="auth on"):
        neo4j_launcher.start(home, auth=False)
    assert neo4j_launcher.status(home) is None
    assert _processes_naming(f"--home-dir={home}") == []
