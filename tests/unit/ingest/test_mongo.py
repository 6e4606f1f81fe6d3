"""MongoDB source parts without a server: the find() filter from the stored cursor, the
message without credentials, and the missing extra."""

from __future__ import annotations

import datetime
import sys

import pytest

from weir.errors import ConfigError, MissingExtraError
from weir.ingest import mongo


def test_query_adds_the_cursor_bound_to_the_filter():
    src = mongo.collection("mongodb://localhost/", "shop", "orders", filter={"status": "ok"}, cursor="updated_at")
    assert src.query({}) == {"status": "ok"}
    state = {"cursor": "2024-01-01T10:00:00", "cursor_type": "timestamp[us]"}
    assert src.query(state) == {"$and": [{"status": "ok"}, {"updated_at": {"$gte": datetime.datetime(2024, 1, 1, 10)}}]}
    by_id = mongo.collection("mongodb://localhost/", "shop", "orders", cursor="_id")
    from bson import ObjectId

    oid = "65a1b2c3d4e5f60718293a4b"
    assert by_id.query({"cursor": oid, "cursor_type": "string"}) == {"_id": {"$gte": ObjectId(oid)}}
    n = mongo.collection("mongodb://localhost/", "shop", "orders", cursor="n")
    assert n.query({"cursor": "41", "cursor_type": "int64"}) == {"n": {"$gte": 41}}


def test_describe_hides_credentials():
    src = mongo.collection("mongodb://app:s3cret@db:27017/?authSource=admin", "shop", "orders")
    assert "s3cret" not in src.describe() and "shop.orders" in src.describe()


def test_nested_must_be_flatten_or_json():
    with pytest.raises(ConfigError, match="nested"):
        mongo.collection("mongodb://localhost/", "shop", "orders", nested="deep")


def test_missing_pymongo_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymongo", None)
    src = mongo.collection("mongodb://localhost/", "shop", "orders")
    with pytest.raises(MissingExtraError, match=r"weir\[mongo\]"):
        src.prepare({})
