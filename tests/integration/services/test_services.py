"""The project's service scripts start real servers that answer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_postgres_answers(pg_database):
    import psycopg

    with psycopg.connect(pg_database["dsn"]) as conn:
        assert conn.execute("select current_database()").fetchone() == (pg_database["dbname"],)


def test_mariadb_answers(mysql_database):
    import pymysql

    conn = pymysql.connect(host=mysql_database["host"], port=mysql_database["port"], user="root",
                           database=mysql_database["dbname"])
    with conn.cursor() as cur:
        cur.execute("select database()")
        assert cur.fetchone() == (mysql_database["dbname"],)
    conn.close()


def test_s3_round_trip(s3_bucket):
    fs = s3_bucket["filesystem"]
    with fs.open_output_stream(f"{s3_bucket['bucket']}/hello.txt") as f:
        f.write(b"hello")
    with fs.open_input_stream(f"{s3_bucket['bucket']}/hello.txt") as f:
        assert f.read() == b"hello"


def test_kafka_round_trip(service, unique_name):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    servers = service("tansu")["bootstrap_servers"]
    admin = AdminClient({"bootstrap.servers": servers})  # must outlive the future
    admin.create_topics([NewTopic(unique_name, 1)])[unique_name].result(10)
    producer = Producer({"bootstrap.servers": servers})
    producer.produce(unique_name, b"hello", key=b"k")
    assert producer.flush(10) == 0
    consumer = Consumer({"bootstrap.servers": servers, "group.id": unique_name, "auto.offset.reset": "earliest",
                         "session.timeout.ms": 6000})
    consumer.subscribe([unique_name])
    msg = None
    for _ in range(50):
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            break
    consumer.close()
    assert msg is not None and msg.value() == b"hello" and msg.key() == b"k"
