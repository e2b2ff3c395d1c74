"""Run a real Neo4j 5.26 Community server on hosts without Docker.

The jars come from Maven Central (``neo4j-runtime.pom.xml`` next to this file) and
are cached once per machine outside the repository. Each server lives in its own
HOME directory::

    HOME/conf/neo4j.conf         written on every start
    HOME/conf/credentials.json   the auth mode and password chosen at first start
    HOME/data/ HOME/import/      databases, files for LOAD CSV and bulk import
    HOME/logs/console.log        the server's stdout and stderr
    HOME/run/server.json         pid, bolt_uri, user, password, version, home

Auth policy: a long-lived server (the ``credlink`` CLI, the default HOME) runs with
auth on and a generated password, set with ``neo4j-admin dbms set-initial-password``
before the first start. Throwaway test servers (``tests/conftest.py``) pass
``auth=False``. The mode of a HOME is fixed at its first start.

The module uses the standard library only (the neo4j driver is used for the
readiness query when it is importable) and is loaded by path, never as a package
named ``docker``; that name belongs to the Docker SDK. From a shell::

    python docker/neo4j_launcher.py fetch|start|status|stop|admin [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "ADMIN_CLASS",
    "DEFAULT_USER",
    "JVM_OPTIONS",
    "NEO4J_LINE",
    "SERVER_CLASS",
    "VERSION_MARKER",
    "LauncherError",
    "ServerInfo",
    "admin",
    "cache_root",
    "default_home",
    "default_lib_dir",
    "fetch",
    "installed_version",
    "main",
    "start",
    "status",
    "stop",
]

_log = logging.getLogger("credlink.neo4j_launcher")

NEO4J_LINE: Final = "5.26"
SERVER_CLASS: Final = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS: Final = "org.neo4j.cli.AdminTool"
DEFAULT_USER: Final = "neo4j"
# Written into the lib folder, with the resolved version, once every jar is there.
VERSION_MARKER: Final = ".credlink-neo4j-version"

# The server.jvm.additional defaults of the neo4j.conf that ships with 5.26, plus
# -Dfile.encoding=UTF-8, which Neo4j's bootloader always adds. The bootloader is
# bypassed here, so the options are passed explicitly.
JVM_OPTIONS: Final[tuple[str, ...]] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    "-Dfile.encoding=UTF-8",
)

_POM: Final = Path(__file__).resolve().with_name("neo4j-runtime.pom.xml")
_COPY_GOAL: Final = (
    "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"
)
_KERNEL_JAR: Final = re.compile(r"^neo4j-kernel-(\d+\.\d+\.\d+)\.jar$")
_MEMORY_SIZE: Final = re.compile(r"^[1-9]\d*[kmgKMG]?$")
_READY_TIMEOUT: Final = 90.0
_POLL_SECONDS: Final = 0.25
_PORT_ATTEMPTS: Final = 3
_TAIL_LINES: Final = 40
# Exit status of `status` when no server answers, as in LSB init scripts.
_NOT_RUNNING: Final = 3

# Servers this process started, so that stop() can reap them (no zombie stays).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class LauncherError(RuntimeError):
    """Neo4j could not be fetched, started, queried or stopped; the message says why."""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A running server: where it answers, how to log in, and which process it is.

    ``password`` is empty when the server runs with auth off.
    """

    uri: str
    user: str
    password: str
    pid: int
    home: Path
    version: str

    @property
    def auth(self) -> tuple[str, str] | None:
        """The ``auth`` argument for ``neo4j.GraphDatabase.driver``."""
        return (self.user, self.password) if self.password else None

    def as_dict(self) -> dict[str, Any]:
        """The fields as written to ``HOME/run/server.json``."""
        return {
            "pid": self.pid,
            "bolt_uri": self.uri,
            "user": self.user,
            "password": self.password,
            "version": self.version,
            "home": str(self.home),
        }


class _PortTakenError(LauncherError):
    """Another process bound the Bolt port between choosing and binding it."""


def cache_root() -> Path:
    """The per-machine cache: ``$CREDLINK_CACHE``, else ``~/.cache/credlink``."""
    configured = os.environ.get("CREDLINK_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "credlink"
    return root.expanduser().resolve()


def default_lib_dir() -> Path:
    """Where :func:`fetch` puts the jars unless told otherwise."""
    return cache_root() / f"neo4j-{NEO4J_LINE}" / "lib"


def default_home() -> Path:
    """The HOME of the long-lived server that the ``credlink`` CLI uses."""
    return cache_root() / "servers" / "default"


def installed_version(lib_dir: Path | None = None) -> str | None:
    """The Neo4j version whose complete set of jars is in ``lib_dir``, or None."""
    marker = (lib_dir or default_lib_dir()) / VERSION_MARKER
    try:
        version = marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return version or None


def fetch(cache_dir: Path | None = None) -> Path:
    """Resolve the newest Neo4j 5.26.x with Maven into ``cache_dir`` and return it.

    Runs once per machine: a directory that already holds the version marker is
    returned as it is, without calling Maven. The jars are copied into a temporary
    sibling directory that is renamed into place only when complete, so an
    interrupted or concurrent fetch never leaves a half-filled directory behind.
    """
    lib = (cache_dir or default_lib_dir()).expanduser().resolve()
    if installed_version(lib) is not None:
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LauncherError(
            "Maven (mvn) is needed to fetch Neo4j "
            f"{NEO4J_LINE}.x from Maven Central into {lib}; install Maven, or point "
            "NEO4J_URI at an existing Neo4j server"
        )
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{lib.name}-", dir=lib.parent))
    try:
        _log.info("fetching Neo4j %s.x with Maven into %s", NEO4J_LINE, lib)
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(_POM),
            _COPY_GOAL,
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=staging
        )
        if done.returncode != 0:
            output = _last_lines(done.stdout + done.stderr)
            raise LauncherError(
                f"mvn could not fetch Neo4j (exit {done.returncode}):\n{output}"
            )
        version = _version_of_jars(staging)
        (staging / VERSION_MARKER).write_text(version + "\n", encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp made it private; the jars are not secret
        _move_into_place(staging, lib)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return lib


def start(
    home: Path | None = None,
    *,
    port: int | None = None,
    auth: bool = True,
    heap: str = "512m",
    pagecache: str = "128m",
    lib_dir: Path | None = None,
    timeout: float = _READY_TIMEOUT,
    stop_with: int | None = None,
) -> ServerInfo:
    """Start a server in ``home`` (detached) and return once Bolt answers ``RETURN 1``.

    Fetches the jars first if needed. A server already answering in ``home`` is
    returned as it is. Bolt listens on 127.0.0.1 only (HTTP is off), on ``port`` or
    a free port. With ``auth`` the first start sets a generated password for user
    ``neo4j``; later starts reuse it. The server runs in its own session, so it
    outlives the calling process until :func:`stop` is called — or, with
    ``stop_with``, until the process with that pid has ended: a detached watchdog
    (:func:`watch`) stops it then, so a test run killed by SIGKILL leaves no server
    behind.
    """
    home = _resolve_home(home)
    for size in (heap, pagecache):
        if not _MEMORY_SIZE.match(size):
            raise LauncherError(f"memory size {size!r} is not like 512m or 2g")
    running = _recorded(home)
    if running is not None and _is_running(running.pid, home):
        # Started by another call that may still be waiting for it: wait as well.
        console, offset = _log_position(home)
        _wait_ready(running, _CHILDREN.get(running.pid), console, offset, timeout)
        return running
    _forget(home)
    lib = fetch(lib_dir)
    version = installed_version(lib) or "unknown"
    java = _java()
    for directory in ("conf", "data", "logs", "run", "import"):
        (home / directory).mkdir(parents=True, exist_ok=True)
    attempts = 1 if port is not None else _PORT_ATTEMPTS
    for attempt in range(1, attempts + 1):
        bolt_port = port if port is not None else _free_port()
        _write_conf(home, lib, bolt_port, auth=auth, heap=heap, pagecache=pagecache)
        password = _credentials(home, lib, java, auth=auth)
        info, offset = _spawn(home, lib, java, bolt_port, password, version, heap)
        console = home / "logs" / "console.log"
        try:
            _wait_ready(info, _CHILDREN.get(info.pid), console, offset, timeout)
        except _PortTakenError:
            _terminate(info.pid, home, timeout=30.0)
            _forget(home)
            if attempt == attempts:
                raise
            continue
        except BaseException:
            _terminate(info.pid, home, timeout=30.0)
            _forget(home)
            raise
        if stop_with is not None:
            _spawn_watchdog(home, stop_with)
        return info
    raise AssertionError("unreachable: the loop returns or raises")


def watch(home: Path | None, pid: int, *, poll: float = 1.0) -> bool:
    """Stop the server of ``home`` once process ``pid`` has ended; True if it did.

    Returns False, doing nothing, when the server stops first (stopped by
    :func:`stop`, or it died).
    """
    home = _resolve_home(home)
    while True:
        info = _recorded(home)
        if info is None or not _is_running(info.pid, home):
            return False
        if not _alive(pid):
            return stop(home)
        time.sleep(poll)


def _spawn_watchdog(home: Path, pid: int) -> None:
    """Run ``watch`` in a process of its own session, orphaned at once (the helper
    that starts it exits), so the caller has no child to wait for."""
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "watch",
            "--home",
            str(home),
            "--pid",
            str(pid),
            "--detach",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LauncherError(f"cannot start the watchdog: {done.stderr.strip()}")


def status(home: Path | None = None) -> ServerInfo | None:
    """The server of ``home`` if its process is alive and Bolt answers, else None."""
    home = _resolve_home(home)
    info = _recorded(home)
    if info is None or not _is_running(info.pid, home):
        return None
    return info if _answers(info) else None


def stop(home: Path | None = None, timeout: float = 60.0) -> bool:
    """Stop the server of ``home``; True if a running server was stopped.

    Sends SIGTERM (Neo4j shuts down cleanly), waits up to ``timeout`` seconds, then
    sends SIGKILL. Removes ``server.json`` either way. Only the process recorded in
    ``server.json`` is signalled, and only if its command line names this HOME.
    """
    home = _resolve_home(home)
    info = _recorded(home)
    if info is None:
        return False
    was_running = _is_running(info.pid, home)
    if was_running:
        _terminate(info.pid, home, timeout=timeout)
    _forget(home)
    return was_running


def admin(
    home: Path | None = None,
    *args: str,
    heap: str = "1g",
    lib_dir: Path | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``neo4j-admin ARGS`` (org.neo4j.cli.AdminTool) against ``home``.

    Uses the same jars and JVM options as the server, with output captured as
    text. Writes a default neo4j.conf when ``home`` has none. Commands that write a
    database, such as ``database import full``, need the server of ``home`` to be
    stopped first. With ``check``, a non-zero exit raises ``CalledProcessError``.
    """
    home = _resolve_home(home)
    if not _MEMORY_SIZE.match(heap):
        raise LauncherError(f"memory size {heap!r} is not like 512m or 2g")
    lib = fetch(lib_dir)
    java = _java()
    return _run_admin(home, lib, java, list(args), heap=heap, check=check)


def _resolve_home(home: Path | None) -> Path:
    return (home or default_home()).expanduser().resolve()


def _version_of_jars(lib: Path) -> str:
    for jar in lib.iterdir():
        found = _KERNEL_JAR.match(jar.name)
        if found:
            return found.group(1)
    raise LauncherError(f"mvn finished but {lib} holds no neo4j-kernel jar")


def _move_into_place(staging: Path, lib: Path) -> None:
    if lib.exists() and installed_version(lib) is None:
        # Not ours (our renames are atomic and carry the marker): replace it.
        shutil.rmtree(lib)
    try:
        staging.rename(lib)
    except OSError:
        if installed_version(lib) is None:
            raise
        # A concurrent fetch finished first; its copy is as good as ours.


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LauncherError(
            "Java 17 or 21 is needed to run Neo4j: install a JDK or JRE and put "
            "`java` on PATH (or set JAVA_HOME)"
        )
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _write_conf(
    home: Path,
    lib: Path,
    port: int | None,
    *,
    auth: bool,
    heap: str,
    pagecache: str,
) -> None:
    lines = [
        "# Written by docker/neo4j_launcher.py; rewritten on every start.",
        "server.default_listen_address=127.0.0.1",
        "server.bolt.enabled=true",
        "server.http.enabled=false",
        "server.https.enabled=false",
        f"dbms.security.auth_enabled={str(auth).lower()}",
        # No network here, and nothing to report from test servers.
        "dbms.usage_report.enabled=false",
        f"server.memory.heap.max_size={heap}",
        f"server.memory.pagecache.size={pagecache}",
        # Preallocating transaction logs costs 512 MB of disk per HOME up front.
        "db.tx_log.preallocate=false",
        f"server.directories.data={home / 'data'}",
        f"server.directories.logs={home / 'logs'}",
        f"server.directories.run={home / 'run'}",
        f"server.directories.import={home / 'import'}",
        f"server.directories.plugins={home / 'plugins'}",
        f"server.directories.lib={lib}",
    ]
    if port is not None:
        lines.insert(3, f"server.bolt.listen_address=127.0.0.1:{port}")
    conf = home / "conf" / "neo4j.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _credentials(home: Path, lib: Path, java: str, *, auth: bool) -> str:
    """The password of ``home`` ("" with auth off), set at its first start."""
    path = home / "conf" / "credentials.json"
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if bool(stored["auth"]) != auth:
            mode = "on" if stored["auth"] else "off"
            raise LauncherError(
                f"{home} was first started with auth {mode}; start it the same "
                "way, or use another home"
            )
        return str(stored["password"])
    password = ""
    if auth:
        if (home / "data" / "databases" / "system").exists():
            raise LauncherError(
                f"{home} already has a system database but no recorded password; "
                "use another home"
            )
        password = secrets.token_urlsafe(18)
        _run_admin(
            home,
            lib,
            java,
            ["dbms", "set-initial-password", password],
            heap="256m",
            check=True,
        )
    record = {"auth": auth, "user": DEFAULT_USER, "password": password}
    _write_private_json(path, record)
    return password


def _run_admin(
    home: Path,
    lib: Path,
    java: str,
    args: list[str],
    *,
    heap: str,
    check: bool,
) -> subprocess.CompletedProcess[str]:
    conf = home / "conf"
    if not (conf / "neo4j.conf").exists():
        _write_conf(home, lib, None, auth=True, heap="512m", pagecache="128m")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf)}
    command = [java, f"-Xmx{heap}", *JVM_OPTIONS, "-cp", f"{lib}/*", ADMIN_CLASS]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        check=check,
        env=env,
        cwd=home,
        stdin=subprocess.DEVNULL,
    )


def _spawn(
    home: Path,
    lib: Path,
    java: str,
    port: int,
    password: str,
    version: str,
    heap: str,
) -> tuple[ServerInfo, int]:
    """Launch the server detached; return it and where its output starts."""
    console = home / "logs" / "console.log"
    command = [
        java,
        f"-Xmx{heap}",
        *JVM_OPTIONS,
        "-cp",
        f"{lib}/*",
        SERVER_CLASS,
        f"--home-dir={home}",
        f"--config-dir={home / 'conf'}",
        "--console-mode",
    ]
    with console.open("ab") as log:
        log.write(f"--- started by neo4j_launcher at {time.ctime()}\n".encode())
        log.flush()
        offset = log.tell()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            start_new_session=True,
        )
    _CHILDREN[process.pid] = process
    info = ServerInfo(
        uri=f"bolt://127.0.0.1:{port}",
        user=DEFAULT_USER,
        password=password,
        pid=process.pid,
        home=home,
        version=version,
    )
    record = {**info.as_dict(), "log_offset": offset}
    _write_private_json(home / "run" / "server.json", record)
    return info, offset


def _log_position(home: Path) -> tuple[Path, int]:
    try:
        record = json.loads((home / "run" / "server.json").read_text("utf-8"))
        offset = int(record.get("log_offset", 0))
    except (OSError, ValueError, TypeError):
        offset = 0
    return home / "logs" / "console.log", offset


def _wait_ready(
    info: ServerInfo,
    process: subprocess.Popen[bytes] | None,
    console: Path,
    offset: int,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        exited = process.poll() if process is not None else None
        if exited is not None or not _alive(info.pid):
            tail = _tail(console, offset)
            if "Address already in use" in tail:
                raise _PortTakenError(f"Bolt port of {info.uri} is taken:\n{tail}")
            raise LauncherError(
                f"Neo4j exited during startup (status {exited}); "
                f"{console} ends with:\n{tail}"
            )
        if _answers(info):
            return
        if time.monotonic() > deadline:
            raise LauncherError(
                f"Neo4j did not answer on {info.uri} within {timeout:.0f} s; "
                f"{console} ends with:\n{_tail(console, offset)}"
            )
        time.sleep(_POLL_SECONDS)


def _answers(info: ServerInfo) -> bool:
    """True when Bolt answers ``RETURN 1`` (or, without the driver, a handshake)."""
    host, _, port = info.uri.removeprefix("bolt://").rpartition(":")
    if not _bolt_handshake(host, int(port)):
        return False
    try:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, DriverError, Neo4jError
    except ImportError:  # the launcher also runs from a bare interpreter
        return True
    try:
        with (
            GraphDatabase.driver(
                info.uri, auth=info.auth, connection_timeout=5.0
            ) as driver,
            # A plain session, not execute_query: that would retry for 30 s.
            driver.session() as session,
        ):
            one = session.run("RETURN 1 AS one").value()
    except AuthError as exc:
        raise LauncherError(f"{info.uri} rejects the recorded credentials") from exc
    except (DriverError, Neo4jError, OSError):
        return False
    return one == [1]


def _bolt_handshake(host: str, port: int) -> bool:
    # Magic preamble, then four version proposals: 5.8 down to 5.0, and 4.4.
    request = bytes.fromhex("6060b01700080805000004040000000000000000")
    try:
        with socket.create_connection((host, port), timeout=2.0) as conn:
            conn.sendall(request)
            reply = b""
            while len(reply) < 4:
                chunk = conn.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
    except OSError:
        return False
    return reply != b"\x00\x00\x00\x00"


def _recorded(home: Path) -> ServerInfo | None:
    path = home / "run" / "server.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerInfo(
            uri=str(data["bolt_uri"]),
            user=str(data["user"]),
            password=str(data["password"]),
            pid=int(data["pid"]),
            home=Path(data["home"]),
            version=str(data["version"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _forget(home: Path) -> None:
    (home / "run" / "server.json").unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None  # reaps our own child once it has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie has exited


def _is_running(pid: int, home: Path) -> bool:
    """True if ``pid`` is alive and is the server of ``home`` (not a reused pid)."""
    if not _alive(pid):
        return False
    command = _command_line(pid)
    return command is None or f"--home-dir={home}" in command


def _command_line(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        pass
    try:
        done = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _terminate(pid: int, home: Path, *, timeout: float) -> None:
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        if not _is_running(pid, home):
            break
        try:
            _signal(pid, sig)
        except ProcessLookupError:
            break
        except PermissionError as exc:
            raise LauncherError(f"not allowed to stop process {pid}") from exc
        if _gone(pid, wait):
            break
    else:
        raise LauncherError(f"process {pid} survived SIGKILL")
    _CHILDREN.pop(pid, None)


def _signal(pid: int, sig: signal.Signals) -> None:
    if os.getpgid(pid) == pid:
        # start() put the server in a session of its own: signal the whole group.
        os.killpg(pid, sig)
    else:
        os.kill(pid, sig)


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically, readable by the owner only (it holds a password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    os.replace(staging, path)


def _tail(console: Path, offset: int) -> str:
    try:
        with console.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return "(no console log)"
    return _last_lines(text)


def _last_lines(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-_TAIL_LINES:])


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    with_home = argparse.ArgumentParser(add_help=False, parents=[common])
    with_home.add_argument("--home", type=Path, help="server directory")
    parser = argparse.ArgumentParser(
        prog="neo4j_launcher.py", description="Local Neo4j without Docker."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_cmd = commands.add_parser(
        "fetch", parents=[common], help="fetch the jars once"
    )
    fetch_cmd.add_argument("--cache-dir", type=Path, help="where the jars go")
    start_cmd = commands.add_parser("start", parents=[with_home], help="start")
    start_cmd.add_argument("--port", type=int, help="Bolt port (default: free)")
    start_cmd.add_argument("--no-auth", action="store_true", help="auth off")
    start_cmd.add_argument("--heap", default="512m")
    start_cmd.add_argument("--pagecache", default="128m")
    start_cmd.add_argument("--timeout", type=float, default=_READY_TIMEOUT)
    start_cmd.add_argument(
        "--stop-with", type=int, metavar="PID", help="stop when process PID ends"
    )
    watch_cmd = commands.add_parser(
        "watch", parents=[with_home], help="stop the server once process PID ends"
    )
    watch_cmd.add_argument("--pid", type=int, required=True)
    watch_cmd.add_argument(
        "--detach", action="store_true", help="watch from a process of its own"
    )
    commands.add_parser("status", parents=[with_home], help="exit 3 if not running")
    stop_cmd = commands.add_parser("stop", parents=[with_home], help="stop")
    stop_cmd.add_argument("--timeout", type=float, default=60.0)
    admin_cmd = commands.add_parser(
        "admin", parents=[with_home], help="run neo4j-admin ARGS"
    )
    admin_cmd.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _describe(info: ServerInfo) -> str:
    record = info.home / "run" / "server.json"
    login = f"user {info.user}, password in {record}" if info.password else "no auth"
    return f"Neo4j {info.version} at {info.uri} (pid {info.pid}, {login})"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    # neo4j-admin's own options (``admin --version``) are not ours to parse.
    options, extra = parser.parse_known_args(argv)
    if extra and options.command != "admin":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if options.command == "admin":
        options.args = [*extra, *options.args]
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return _run_command(options)
    except LauncherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run_command(options: argparse.Namespace) -> int:
    emit_json: bool = options.json
    if options.command == "fetch":
        lib = fetch(options.cache_dir)
        version = installed_version(lib)
        print(
            json.dumps({"lib": str(lib), "version": version})
            if emit_json
            else f"Neo4j {version} jars in {lib}"
        )
        return 0
    if options.command == "admin":
        args = [a for a in options.args if a != "--"]
        done = admin(options.home, *args)
        if emit_json:
            outcome = {"returncode": done.returncode, "stdout": done.stdout}
            print(json.dumps({**outcome, "stderr": done.stderr}))
        else:
            sys.stdout.write(done.stdout)
            sys.stderr.write(done.stderr)
        return done.returncode
    if options.command == "start":
        info = start(
            options.home,
            port=options.port,
            auth=not options.no_auth,
            heap=options.heap,
            pagecache=options.pagecache,
            timeout=options.timeout,
            stop_with=options.stop_with,
        )
        print(json.dumps(info.as_dict()) if emit_json else _describe(info))
        return 0
    if options.command == "watch":
        if options.detach:
            home = str(_resolve_home(options.home))
            script = str(Path(__file__).resolve())
            subprocess.Popen(
                [
                    sys.executable,
                    script,
                    "watch",
                    "--home",
                    home,
                    "--pid",
                    str(options.pid),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return 0
        stopped = watch(options.home, options.pid)
        print(json.dumps({"stopped": stopped}) if emit_json else f"stopped: {stopped}")
        return 0
    if options.command == "status":
        running = status(options.home)
        if emit_json:
            print(json.dumps(running.as_dict() if running else None))
        else:
            print(_describe(running) if running else "not running")
        return 0 if running else _NOT_RUNNING
    stopped = stop(options.home, timeout=options.timeout)
    print(json.dumps({"stopped": stopped}) if emit_json else f"stopped: {stopped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
