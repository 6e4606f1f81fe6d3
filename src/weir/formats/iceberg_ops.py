"""Iceberg table maintenance with pyiceberg's public API: compaction (rewrite the live
rows into few files), snapshot expiry with deletion of files no kept snapshot needs, and
restore of an old snapshot's files as a new commit (history stays linear)."""

from __future__ import annotations

import time
from typing import Any

from weir.errors import FormatError


def compact(table: Any, props: dict[str, str]) -> dict[str, Any]:
    """Rewrite the current rows into as few files as the writer's target size gives, in
    one transaction; a table already in one file is left alone."""
    before = [task.file for task in table.scan().plan_files()]
    if len(before) <= 1:
        return {"numFilesRemoved": 0, "numFilesAdded": 0}
    scan = table.scan()
    rows = scan.to_arrow() if table.spec().fields else scan.to_arrow_batch_reader()
    with table.transaction() as tx:
        tx.overwrite(rows, snapshot_properties={**props, "weir.operation": "optimize"})
    after = [task.file for task in table.scan().plan_files()]
    return {"numFilesRemoved": len(before), "numFilesAdded": len(after),
            "numRows": sum(f.record_count for f in after)}


def _files_of(table: Any, snapshot: Any) -> set[str]:
    """Every file a snapshot needs: its manifest list, manifests and live data files."""
    io = table.io
    files = {snapshot.manifest_list}
    for manifest in snapshot.manifests(io):
        files.add(manifest.manifest_path)
        files.update(entry.data_file.file_path for entry in manifest.fetch_manifest_entry(io, discard_deleted=True))
    return files


def expire(table: Any, retain_hours: float, dry_run: bool) -> list[str]:
    """Expire snapshots older than ``retain_hours`` (never the current one) and delete the
    files only they needed; returns those files."""
    current = table.current_snapshot()
    if current is None:
        return []
    cutoff_ms = (time.time() - retain_hours * 3600) * 1000
    old = [s for s in table.snapshots() if s.timestamp_ms < cutoff_ms and s.snapshot_id != current.snapshot_id]
    if not old:
        return []
    kept_ids = {s.snapshot_id for s in table.snapshots()} - {s.snapshot_id for s in old}
    needed: set[str] = set()
    for snap in table.snapshots():
        if snap.snapshot_id in kept_ids:
            needed |= _files_of(table, snap)
    doomed: set[str] = set()
    for snap in old:
        doomed |= _files_of(table, snap)
    doomed -= needed
    if not dry_run:
        table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in old]).commit()
        for path in doomed:
            table.io.delete(path)
    return sorted(doomed)


def restore(table: Any, version: int, props: dict[str, str]) -> None:
    """Make the snapshot with sequence number ``version`` current again by a new overwrite
    snapshot that swaps the live data files (no data is rewritten)."""
    target = next((s for s in table.snapshots() if s.sequence_number == version), None)
    if target is None:
        known = sorted(s.sequence_number for s in table.snapshots())
        raise FormatError(f"Iceberg table {'.'.join(table.name())} has no version {version}",
                          hint=f"versions: {', '.join(map(str, known)) or 'none'} (see `weir table history`)")
    old = {task.file.file_path: task.file for task in table.scan(snapshot_id=target.snapshot_id).plan_files()}
    now = {task.file.file_path: task.file for task in table.scan().plan_files()}
    missing = [p for p in old if p not in now and not table.io.new_input(p).exists()]
    if missing:
        raise FormatError(f"cannot restore {'.'.join(table.name())} to version {version}: "
                          f"{len(missing)} of its data files were deleted (vacuum)", hint=f"first missing: {missing[0]}")
    with table.transaction() as tx:
        with tx.update_snapshot(snapshot_properties={**props, "weir.operation": "restore",
                                                     "weir.restored_version": str(version)}).overwrite() as snap:
            for path, data_file in now.items():
                if path not in old:
                    snap.delete_data_file(data_file)
            for path, data_file in old.items():
                if path not in now:
                    snap.append_data_file(data_file)


__all__ = ["compact", "expire", "restore"]
