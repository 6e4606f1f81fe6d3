"""SQL predicates become pyiceberg row filters; what cannot be translated is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from pyiceberg import expressions as ice

from weir.errors import FormatError
from weir.formats.iceberg_filters import key_filter, to_filter


@pytest.mark.parametrize(("sql", "expected"), [
    ('"day" = \'2024-01-01\'', ice.EqualTo("day", "2024-01-01")),
    ("n <> 3", ice.NotEqualTo("n", 3)),
    ("5 < n", ice.GreaterThan("n", 5)),
    ("n >= -1.5", ice.GreaterThanOrEqual("n", -1.5)),
    ("day is null", ice.IsNull("day")),
    ("day is not null", ice.NotNull("day")),
    ("n in (1, 2)", ice.In("n", {1, 2})),
    ("n between 1 and 3", ice.And(ice.GreaterThanOrEqual("n", 1), ice.LessThanOrEqual("n", 3))),
    ("(a = 1 and b is null) or (a = 2 and b = 'x')",
     ice.Or(ice.And(ice.EqualTo("a", 1), ice.IsNull("b")), ice.And(ice.EqualTo("a", 2), ice.EqualTo("b", "x")))),
    ("not (flag = true)", ice.Not(ice.EqualTo("flag", True))),
    ("d = date '2024-01-02'", ice.EqualTo("d", "2024-01-02")),
])
def test_translates(sql: str, expected: object) -> None:
    assert to_filter(sql) == expected


@pytest.mark.parametrize("sql", ["upper(x) = 'A'", "a = b", "t.a = 1", "a in (select 1)", "a like 'x%'"])
def test_refuses_what_it_cannot_translate(sql: str) -> None:
    with pytest.raises(FormatError, match="cannot translate into an Iceberg row filter"):
        to_filter(sql)


def test_key_filters() -> None:
    assert key_filter([{"id": 1}, {"id": None}, {"id": 2}], ["id"]) == ice.In("id", {1, 2})
    assert key_filter([{"id": None}], ["id"]) == ice.AlwaysFalse()
    assert key_filter([{"a": 1, "b": dt.date(2024, 1, 2)}], ["a", "b"]) == ice.And(
        ice.EqualTo("a", 1), ice.EqualTo("b", "2024-01-02"))
    many = key_filter([{"a": i, "b": "x"} for i in range(5000)], ["a", "b"])  # balanced: no recursion limit
    assert isinstance(many, ice.Or)
