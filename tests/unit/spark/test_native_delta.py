"""The delta_native capability flag (and its old name) and the path-parsing half of the
engine's fallback for servers without partition discovery (spark_compat)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from weir.config.spark import spark_settings
from weir.engines.spark_compat import _partition_values
from weir.errors import ConfigError


def _target(**extra: object) -> SimpleNamespace:
    return SimpleNamespace(model_extra={"type": "spark", **extra})


@pytest.mark.parametrize(("extra", "expected"), [({}, False), ({"delta_native": True}, True),
                                                 ({"native_merge": True}, True), ({"native_merge": "no"}, False)])
def test_delta_native_flag_and_its_old_name(extra: dict[str, object], expected: bool) -> None:
    settings = spark_settings(_target(**extra))
    assert settings.delta_native is expected
    assert settings.native_merge is expected


def test_delta_native_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="delta_native"):
        spark_settings(_target(delta_native="sometimes"))


def test_partition_values_come_from_the_folders_below_the_table() -> None:
    base = "/lake/main/t"
    path = f"{base}/part-1/day=2024-01-02/region=a%2Fb/f.parquet"
    assert _partition_values(path, base) == {"day": "2024-01-02", "region": "a/b"}
    assert _partition_values(f"file://{base}/part-1/day=__HIVE_DEFAULT_PARTITION__/f.parquet", base) == {"day": None}
    assert _partition_values(f"{base}/part-1/f.parquet", base) == {}
    # a "=" in a folder above the table is not a partition
    assert _partition_values("/x=1/lake/t/part-1/k=v/f.parquet", "/x=1/lake/t") == {"k": "v"}
