"""Suites: a named list of expectations, read from YAML/JSON files (keeping line numbers for
errors), dicts or lists.

Two entry shapes are accepted, and may be mixed::

    name: orders_suite
    expectations:
      - expect_column_values_to_not_be_null: {column: order_id}
      - expectation_type: expect_column_values_to_be_between   # GE's JSON form ("type" in GE 1.x)
        kwargs: {column: amount, min_value: 0, max_value: 100000, mostly: 0.99}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from weir.checks.expectations import Expectation, ExpectationError, parse_expectation

SuiteLike = "Suite | str | Path | Mapping[str, Any] | Iterable[Expectation | Mapping[str, Any]]"


@dataclass(frozen=True)
class Suite:
    """A named, immutable list of expectations."""

    name: str
    expectations: tuple[Expectation, ...]
    path: str | None = None

    def __len__(self) -> int:
        return len(self.expectations)

    def to_dict(self) -> dict[str, Any]:
        """GE's JSON shape of the suite."""
        return {"name": self.name, "expectations": [e.to_dict() for e in self.expectations]}


class _Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its line and the line of each key."""

    line: int | None = None
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    out = _Located(loader.construct_mapping(node, deep=True))
    out.line = node.start_mark.line + 1
    out.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]


def read_suite_file(path: str | Path) -> Suite:
    """Load a YAML or JSON suite file; every error names the file and line."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationError(f"cannot read suite: {exc.strerror}", path=shown) from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ExpectationError(f"invalid YAML: {exc.problem or exc}", path=shown,
                               line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ExpectationError(f"invalid YAML: {exc}", path=shown) from None
    return suite_from_data(data, path=shown, default_name=path.stem)


def suite_from_data(data: Any, *, path: str | None = None, default_name: str = "suite") -> Suite:
    """A suite from parsed YAML/JSON: a mapping with ``expectations`` or a bare list."""
    if isinstance(data, Mapping):
        unknown = set(data) - {"name", "expectation_suite_name", "expectations", "meta", "id", "notes",
                               "data_asset_type", "ge_cloud_id"}
        if unknown:
            key = sorted(unknown)[0]
            raise ExpectationError(f"unknown suite key {key!r}", path=path, line=_line(data, key),
                                   hint="a suite has 'name' and 'expectations'")
        name = data.get("name") or data.get("expectation_suite_name") or default_name
        entries = data.get("expectations")
        if entries is None:
            raise ExpectationError("a suite needs an 'expectations' list", path=path, line=_line(data))
    elif isinstance(data, list):
        name, entries = default_name, data
    elif data is None:
        raise ExpectationError("the suite is empty", path=path)
    else:
        raise ExpectationError("a suite is a mapping with 'expectations' or a list of expectations",
                               path=path, line=1)
    if not isinstance(entries, list):
        raise ExpectationError("'expectations' must be a list", path=path,
                               line=_line(data, "expectations") if isinstance(data, Mapping) else None)
    return Suite(str(name), tuple(_entry(e, path) for e in entries), path)


def _entry(entry: Any, path: str | None) -> Expectation:
    if isinstance(entry, Expectation):
        return entry
    if isinstance(entry, str):  # a bare name: an expectation without arguments
        return parse_expectation(entry, {}, path=path)
    if not isinstance(entry, Mapping):
        raise ExpectationError(f"an expectation must be a mapping, not {type(entry).__name__}", path=path)
    line = _line(entry)
    type_key = "expectation_type" if "expectation_type" in entry else "type" if "type" in entry else None
    if type_key is not None:  # GE's JSON form
        extra = set(entry) - {type_key, "kwargs", "meta", "id", "rendered_content", "notes", "severity",
                              "description"}
        if extra:
            key = sorted(extra)[0]
            raise ExpectationError(f"unknown key {key!r} next to {type_key}", path=path, line=_line(entry, key))
        kwargs = entry.get("kwargs") or {}
        if not isinstance(kwargs, Mapping):
            raise ExpectationError("kwargs must be a mapping", path=path, line=_line(entry, "kwargs"))
        kwargs = dict(kwargs)
        if "severity" in entry and "severity" not in kwargs:
            kwargs["severity"] = entry["severity"]
        key_lines = getattr(entry.get("kwargs"), "key_lines", {})
        return parse_expectation(entry[type_key], kwargs, path=path, line=_line(entry, type_key),
                                 key_lines=key_lines)
    if len(entry) != 1:
        raise ExpectationError(
            f"an expectation is one '{{expect_...: {{arguments}}}}' mapping, got keys {sorted(entry)}",
            path=path, line=line)
    ((type_, kwargs),) = entry.items()
    return parse_expectation(type_, {} if kwargs is None else kwargs, path=path, line=_line(entry, type_),
                             key_lines=getattr(kwargs, "key_lines", {}))


def _line(data: Any, key: str | None = None) -> int | None:
    if key is not None:
        found = getattr(data, "key_lines", {}).get(key)
        if found is not None:
            return int(found)
    return getattr(data, "line", None)


def load_suite(suite: Any, *, name: str | None = None) -> Suite:
    """A :class:`Suite` from a Suite, a path to a YAML/JSON file, a dict or a list of expectations."""
    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, str | Path):
        loaded = read_suite_file(suite)
    elif isinstance(suite, Expectation):
        loaded = Suite(name or "suite", (suite,))
    elif isinstance(suite, Mapping | list | tuple):
        loaded = suite_from_data(list(suite) if isinstance(suite, tuple) else suite)
    else:
        raise ExpectationError(f"a suite is a path, a dict or a list of expectations, not {type(suite).__name__}")
    return Suite(name, loaded.expectations, loaded.path) if name else loaded
