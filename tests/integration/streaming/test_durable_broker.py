"""A tansu broker with durable ``s3://`` storage on SeaweedFS: the stream resumes from the
table's offsets across a broker restart, and messages produced before the restart are
still there afterwards. The broker and its SeaweedFS are private to this test (the shared
SeaweedFS may run out of volumes when many tests create buckets)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from stream_helpers import create_topic, delta_rows, produce, weir, write_project

pytestmark = pytest.mark.integration


def test_stream_survives_a_broker_restart_on_s3_storage(tmp_path: Path) -> None:
    import importlib.util

    import pyarrow.fs as pafs

    spec = importlib.util.spec_from_file_location("services_s3", Path(__file__).parents[3] / "scripts" / "services.py")
    assert spec and spec.loader
    services = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(services)

    s3 = services.start_seaweedfs(tmp_path / "s3")
    fs = pafs.S3FileSystem(access_key=s3["access_key"], secret_key=s3["secret_key"], region=s3["region"],
                           endpoint_override=s3["endpoint"], scheme="http", allow_bucket_creation=True)
    fs.create_dir("tansu")
    info, stop = services.start_tansu_s3(tmp_path / "tansu", s3, "tansu")
    try:
        servers = info["bootstrap_servers"]
        create_topic(servers, "durable", partitions=2)
        project = write_project(tmp_path / "p", f"""
            streams:
              - {{name: ledger, topics: durable, bootstrap_servers: {servers}, batch_size: 50}}
            """)
        produce(servers, "durable", [(str(i), {"id": i}) for i in range(200)])
        weir(project, "stream", "ledger", "--until-idle", "3")
        produce(servers, "durable", [(str(i), {"id": i}) for i in range(200, 300)])  # not yet consumed

        stop()
        info, stop = services.start_tansu_s3(tmp_path / "tansu", s3, "tansu", port=info["port"])
        produce(servers, "durable", [(str(i), {"id": i}) for i in range(300, 400)])
        weir(project, "stream", "ledger", "--until-idle", "3")
    finally:
        stop()
        os.killpg(s3["pid"], signal.SIGTERM)
    ids = [r[0] for r in delta_rows(project / "lakehouse" / "main" / "ledger", "select id from t")]
    assert sorted(ids) == list(range(400))
