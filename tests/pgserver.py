"""A throwaway PostgreSQL 15 cluster for the oracle tests.

``PgServer`` runs Debian's ``initdb`` and ``pg_ctl`` (from ``/usr/lib/postgresql/15/bin``, off PATH) in a
fresh temporary directory, listening only on a Unix socket in that directory, with trust authentication and
durability switched off for speed. ``initdb`` refuses to run as root, so when the tests run as root (sessions
and CI do) the cluster runs as the unprivileged ``postgres`` user that the Debian package creates, in a
directory that user owns. ``stop()`` shuts the cluster down and removes the directory.

Install the binaries with ``scripts/ensure-postgres.sh``.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

PG_MAJOR = "15"
_DEBIAN_BINDIR = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
_RUN_AS = "postgres"  # the unprivileged user Debian's package creates; used only when we are root


def find_bindir() -> Path | None:
    """The directory of the PostgreSQL 15 server programs (``initdb``, ``pg_ctl``, ``psql``), if installed."""
    candidates: list[Path] = []
    if env := os.environ.get("TAPGAP_PG_BINDIR"):
        candidates.append(Path(env))
    candidates.append(_DEBIAN_BINDIR)
    if pg_config := shutil.which("pg_config"):
        try:
            out = subprocess.run(
                [pg_config, "--bindir", "--version"], capture_output=True, text=True, check=True
            ).stdout.split("\n")
            if out[1].startswith(f"PostgreSQL {PG_MAJOR}."):
                candidates.append(Path(out[0]))
        except (OSError, subprocess.CalledProcessError, IndexError):
            pass
    for bindir in candidates:
        if all(os.access(bindir / prog, os.X_OK) for prog in ("initdb", "pg_ctl", "postgres", "psql")):
            return bindir
    return None


def missing_reason() -> str | None:
    """Why a ``PgServer`` cannot start here (binaries or pgTAP missing), or None when it can."""
    bindir = find_bindir()
    if bindir is None:
        return f"PostgreSQL {PG_MAJOR} server binaries (initdb, pg_ctl, postgres, psql) not found"
    sharedir = _sharedir(bindir)
    if sharedir is None or not (sharedir / "extension" / "pgtap.control").is_file():
        return f"pgTAP for PostgreSQL {PG_MAJOR} not installed (no pgtap.control)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(_RUN_AS)
        except KeyError:
            return f"running as root but there is no {_RUN_AS!r} user to run the cluster as"
    return None


def _sharedir(bindir: Path) -> Path | None:
    pg_config = bindir / "pg_config"
    if os.access(pg_config, os.X_OK):
        out = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    debian = Path(f"/usr/share/postgresql/{PG_MAJOR}")
    return debian if debian.is_dir() else None


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgServer:
    """One throwaway cluster. Use ``start()``/``stop()`` or ``with PgServer() as pg: ...``."""

    socket_dir: Path
    port: int

    def __init__(self, *, port: int = 5432) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(f"{missing_reason()}; run scripts/ensure-postgres.sh")
        self.bindir = bindir
        self.port = port
        self._root: Path | None = None
        self._running = False
        # initdb refuses root: run the server programs as the unprivileged postgres user then.
        self._as_user: list[str] = ["runuser", "-u", _RUN_AS, "--"] if os.geteuid() == 0 else []

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._dir / "data"

    @property
    def log_file(self) -> Path:
        return self._dir / "server.log"

    @property
    def _dir(self) -> Path:
        if self._root is None:
            raise RuntimeError("PgServer is not started")
        return self._root

    def start(self) -> None:
        if self._running:
            return
        # As root, make the directory under /tmp (world-traversable) so that the postgres user can reach it
        # even when TMPDIR points somewhere private.
        self._root = Path(tempfile.mkdtemp(prefix="tapgap-pg-", dir="/tmp" if self._as_user else None))
        self.socket_dir = self._root
        try:
            if self._as_user:
                entry = pwd.getpwnam(_RUN_AS)
                os.chown(self._root, entry.pw_uid, entry.pw_gid)
            self._server_cmd(
                "initdb",
                "-D", str(self.data_dir),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            )  # fmt: skip
            options = " ".join(
                [
                    "-c listen_addresses=''",
                    f"-c unix_socket_directories='{self.socket_dir}'",
                    f"-p {self.port}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            self._server_cmd(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", options,
            )  # fmt: skip
            self._running = True
        except BaseException:
            self._cleanup()
            raise

    def stop(self) -> None:
        """Stop the cluster (immediately: nothing in it is worth keeping) and remove its directory."""
        try:
            if self._running:
                self._server_cmd("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data_dir))
        finally:
            self._running = False
            self._cleanup()

    def _cleanup(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _server_cmd(self, program: str, *args: str) -> None:
        cmd = [*self._as_user, str(self.bindir / program), *args]
        # cwd: the server programs look up their own path and fail in a directory their user cannot read.
        proc = subprocess.run(cmd, cwd=self._dir, env=_clean_env(), capture_output=True, text=True)
        if proc.returncode != 0:
            log = ""
            if self._root is not None and self.log_file.is_file():
                log = "\n--- server log ---\n" + self.log_file.read_text(errors="replace")[-4000:]
            raise RuntimeError(
                f"{program} failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}{log}"
            )

    # -- clients -----------------------------------------------------------------------------------------

    def create_database(self, name: str, *, extensions: Sequence[str] = ()) -> str:
        """Create database ``name`` with the given extensions installed; returns the name."""
        self._check(self.psql("postgres", sql=f"CREATE DATABASE {_quote_ident(name)};"))
        if extensions:
            sql = "".join(f"CREATE EXTENSION IF NOT EXISTS {_quote_ident(ext)};\n" for ext in extensions)
            self._check(self.psql(name, sql=sql))
        return name

    def psql(
        self,
        db: str,
        *,
        sql: str | None = None,
        file: Path | None = None,
        on_error_stop: bool = True,
        variables: Mapping[str, str] = {},
        cwd: Path | None = None,
        tap: bool = True,
        args: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        """Run the v15 ``psql`` on ``sql`` (fed as a script on stdin, so meta-commands work) or ``file``.

        With ``tap`` (the default) the output is what ``pg_prove`` reads: quiet, unaligned, tuples only.
        Never raises on SQL errors: see ``returncode`` (3 for an error under ON_ERROR_STOP) and ``stderr``.
        """
        if (sql is None) == (file is None):
            raise ValueError("pass exactly one of sql= and file=")
        cmd = [
            str(self.bindir / "psql"), "-X",
            "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", "-d", db,
            "-P", "pager=off",
        ]  # fmt: skip
        if tap:
            cmd += ["-q", "-A", "-t"]
        if on_error_stop:
            cmd += ["-v", "ON_ERROR_STOP=1"]
        for key, value in variables.items():
            cmd += ["-v", f"{key}={value}"]
        cmd += list(args)
        cmd += ["-f", "-" if file is None else str(file)]
        return subprocess.run(
            cmd,
            input=sql if sql is not None else "",
            cwd=cwd,
            env=_clean_env(),
            capture_output=True,
            text=True,
        )

    def query_json(self, db: str, sql: str) -> Any:
        """Run ``sql``, a query returning one row with one json value (e.g. ``SELECT json_agg(t) FROM t``),
        and return that value parsed; SQL NULL gives None. Raises on any error."""
        proc = self._check(self.psql(db, sql=sql.rstrip().rstrip(";") + ";\n"))
        out = proc.stdout.strip("\n")  # json_agg puts newlines between elements: parse the whole output
        try:
            return json.loads(out) if out else None
        except json.JSONDecodeError as err:
            raise RuntimeError(
                f"not one json value ({err}); did the query return several rows?\n{sql}"
            ) from None

    def query_rows(self, db: str, sql: str) -> list[dict[str, Any]]:
        """Every row of ``sql`` as a dict (column name → value as ``to_json`` renders it)."""
        query = sql.rstrip().rstrip(";")
        rows = self.query_json(db, f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({query}) AS q")
        assert isinstance(rows, list)
        return rows

    @staticmethod
    def _check(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc


def _clean_env() -> dict[str, str]:
    """The environment without libpq's PG* variables (a stray PGHOST or PGOPTIONS must not leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"  # messages in English, UTF-8 I/O
    env["PGTZ"] = "UTC"
    return env
