"""Starting the one Spark session of a run: classic PySpark (``method: session``, any
master URL) or Spark Connect (``method: connect``, an ``sc://`` URL)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from weir.errors import ConfigError, EngineError, MissingExtraError

#: settings that make Spark's tables match the embedded engine's: naive timestamps are
#: TIMESTAMP_NTZ (DuckDB's TIMESTAMP), written as int64 micros (not INT96), UTC session
BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.caseSensitive": "false",
    "spark.sql.sources.partitionOverwriteMode": "static",
    "spark.sql.parquet.compression.codec": "snappy",
}
#: classic sessions only: local UI and scheduler settings
SESSION_CONF = {
    "spark.ui.showConsoleProgress": "false",
    "spark.scheduler.mode": "FAIR",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}
METHODS = ("session", "connect")


def import_pyspark() -> Any:
    try:
        import pyspark
    except ImportError:
        raise MissingExtraError("pyspark", "spark") from None
    # PySpark logs every failed query with its JVM stack; weir reports the error itself
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return pyspark


def check_java() -> None:
    """Classic PySpark starts a JVM: say so once, clearly, when there is none."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return
    if shutil.which("java") is None:
        raise EngineError("Spark needs Java (17 or newer) and none was found",
                          hint="install a JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME; "
                               "or use method: connect with a remote Spark Connect server")


def start(method: str, *, master: str | None, url: str | None, conf: Mapping[str, Any], app_name: str) -> Any:
    """A SparkSession for ``method``; raises a WeirError naming what to fix. A process that
    already runs a classic session gets a new session of it (same JVM, own temp views):
    the caller must not stop it (``owns(session)`` tells)."""
    import_pyspark()
    from pyspark.sql import SparkSession

    if method not in METHODS:
        raise ConfigError(f"unknown Spark method {method!r}", hint="use method: session or method: connect")
    settings = {**BASE_CONF, **{str(k): str(v) for k, v in conf.items()}}
    if method == "connect":
        if not url or not url.startswith("sc://"):
            raise ConfigError("method: connect needs host: sc://HOST:PORT (the Spark Connect server)")
        import importlib.util

        if importlib.util.find_spec("grpc") is None:  # the Connect client's extra (pyspark[connect])
            raise MissingExtraError("grpcio (the Spark Connect client)", "spark")
        # pyspark then runs the whole process in Connect mode (its functions build Connect
        # columns): a classic session cannot be started later in the same process.
        # create(), not getOrCreate(): every workspace gets its own session (temp views)
        remote = SparkSession.builder.remote(url)
        # the server owns its runtime settings; only the SQL behaviour is per session
        sql_conf = {k: v for k, v in settings.items() if k.startswith("spark.sql.")}
        try:
            client: Any = remote.create()
            for key, value in sql_conf.items():
                client.conf.set(key, value)
        except Exception as exc:  # grpc and Spark raise their own types: reported, never swallowed
            raise EngineError(f"cannot reach the Spark Connect server at {url}: {_first_line(exc)}",
                              hint="start it (scripts/services.py start spark-connect) or fix host:") from None
        return client
    active = _running_session(SparkSession)
    if active is not None:  # this process already runs Spark: share its JVM, not its temp views
        session = active.newSession()
        setattr(session, "_weir_owned", False)  # noqa: B010 - a mark on a foreign object
        for key, value in settings.items():
            session.conf.set(key, value)
        return session
    check_java()
    builder = SparkSession.builder.master(master or "local[*]").appName(app_name)
    for key, value in {**SESSION_CONF, **settings}.items():
        builder = builder.config(key, value)
    try:
        with _own_sigint():
            session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: its message, one line
        raise EngineError(f"cannot start Spark ({master}): {_first_line(exc)}",
                          hint="check master: and spark_conf:, and that Java 17+ is installed") from None
    # Spark's WARN lines (with JVM stacks, e.g. for every globbed source path) drown weir's
    # output; weir reports failures itself
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextlib.contextmanager
def _own_sigint() -> Iterator[None]:
    """Keep the process's Ctrl-C handler: PySpark installs one that cancels all jobs from
    inside the signal handler, on the main thread's gateway connection, which breaks when
    that thread is itself in a gateway call. weir's run loop cancels through the engine."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    try:
        yield
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)


def _running_session(cls: Any) -> Any:
    """The process's live classic session, if any. ``getActiveSession()`` alone is not
    enough: it is per thread, and nodes run in worker threads (getOrCreate there would
    hand back the caller's session as if it were weir's, and closing it would stop Spark)."""
    active = cls.getActiveSession()
    if active is not None:
        return active
    default = getattr(cls, "_instantiatedSession", None)
    if default is not None and getattr(getattr(default, "_sc", None), "_jsc", None) is not None:
        return default
    return None


def owns(session: Any) -> bool:
    """Whether stopping ``session`` is ours to do: not when it shares another's JVM."""
    return bool(getattr(session, "_weir_owned", True))


def ui_url(session: Any) -> str | None:
    try:
        return str(session.sparkContext.uiWebUrl) if session.sparkContext.uiWebUrl else None
    except Exception:  # Spark Connect has no SparkContext: there is no local UI to show
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)


__all__ = ["BASE_CONF", "METHODS", "check_java", "import_pyspark", "start", "ui_url"]
