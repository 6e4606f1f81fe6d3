"""Settings of a ``type: spark`` target (profiles.yml outputs or weir.yml targets)::

    type: spark
    method: session            # classic PySpark; or: connect
    master: local[*]           # session: local[N], spark://HOST:PORT, yarn, k8s://...
    host: sc://127.0.0.1:15002 # connect: the Spark Connect server
    spark_conf: {spark.executor.memory: 4g}
    delta_native: false        # true where the cluster has Delta Lake: Spark's Delta writer and MERGE INTO
                               # (old name: native_merge)
    s3a: true                  # the cluster reads/writes s3a:// itself (default: probed)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from weir.errors import ConfigError


class SparkSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    method: Literal["session", "connect"] = "session"
    master: str = "local[*]"
    host: str | None = None
    spark_conf: dict[str, Any] = Field(default_factory=dict)
    app_name: str = "weir"
    #: the cluster has Delta Lake (delta-spark jars, or Sail): tables are written by Spark's own Delta
    #: writer and merged with MERGE INTO, instead of Parquet files weir commits with delta-rs
    delta_native: bool = Field(False, validation_alias=AliasChoices("delta_native", "native_merge"))
    #: Spark opens s3a:// itself (hadoop-aws jars + spark.hadoop.fs.s3a.* conf); None = probe the session
    s3a: bool | None = None

    @property
    def native_merge(self) -> bool:
        """The old name of ``delta_native``."""
        return self.delta_native


def spark_settings(target: Any) -> SparkSettings:
    """The Spark settings of a target (its extra keys), validated."""
    data = dict(getattr(target, "model_extra", None) or {})
    if data.get("method") == "thrift" or data.get("method") == "odbc":
        raise ConfigError(f"Spark method {data['method']!r} is dbt-spark's, not weir's",
                          hint="use method: session (a master URL) or method: connect (sc://HOST:PORT)")
    try:
        return SparkSettings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid Spark target setting {key!r}: {first['msg']}",
                          hint="see docs/spark.md for method, master, host and spark_conf") from None


__all__ = ["SparkSettings", "spark_settings"]
