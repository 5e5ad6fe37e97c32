"""Back up and restore the lab's state: the Dagster instance and the LanceDB store.

    python deployment/backup/lab_backup.py backup  --dagster-home H --lancedb L --to DIR
    python deployment/backup/lab_backup.py restore --dagster-home H --lancedb L --from DIR/<name>
    python deployment/backup/lab_backup.py list    --lancedb L

- LanceDB (the system of record) is snapshotted with its own versions: every table gets the tag
  ``lab-<name>`` on its current version, and ``<name>/lancedb.json`` records each table's version.
  A tag is cheap (no data copied) and exempts the version from ``cleanup_old_versions``. Restore
  calls ``Table.restore(tag)``, which writes a new version equal to the tagged one, and drops
  tables created after the snapshot. A table deleted outright (its folder gone) is beyond tags:
  that is what the ZFS snapshots of the NFS dataset are for (deployment/README.md).
- The Dagster instance: locally its SQLite databases under DAGSTER_HOME are copied with SQLite's
  online backup API (consistent while the daemon runs). In the cluster the instance is
  PostgreSQL, dumped nightly by the ``lab-postgres-backup`` CronJob; ``restore --pg-dump FILE``
  prints and, with ``--apply``, runs the ``pg_restore`` for it.

Standard library plus lancedb (installed with the project). Exit code 0 on success.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

TAG_PREFIX = "lab-"
MANIFEST = "lancedb.json"
INSTANCE_DIR = "dagster_home"


def _connect(lancedb_dir: Path):  # noqa: ANN202 - lancedb is imported lazily (slow import)
    import lancedb

    return lancedb.connect(str(lancedb_dir))


def _table_names(db) -> list[str]:  # noqa: ANN001
    listed = db.list_tables()
    names = getattr(listed, "tables", listed)
    return sorted(str(n) for n in names)


def snapshot_lancedb(lancedb_dir: Path, name: str) -> dict[str, int]:
    """Tag every table's current version ``lab-<name>``; return {table: version}."""
    db = _connect(lancedb_dir)
    versions: dict[str, int] = {}
    for table_name in _table_names(db):
        table = db.open_table(table_name)
        table.tags.create(TAG_PREFIX + name, table.version)
        versions[table_name] = table.version
    return versions


def restore_lancedb(lancedb_dir: Path, name: str, versions: dict[str, int]) -> list[str]:
    """Bring every table back to its tagged version; drop tables the snapshot did not have."""
    db = _connect(lancedb_dir)
    actions = []
    present = set(_table_names(db))
    for table_name in sorted(present - set(versions)):
        db.drop_table(table_name)
        actions.append(f"dropped {table_name} (created after the snapshot)")
    for table_name, version in sorted(versions.items()):
        if table_name not in present:
            raise SystemExit(
                f"table {table_name} is gone: restore its folder from the ZFS snapshot of the "
                "NFS dataset first (deployment/README.md, Backups), then rerun"
            )
        table = db.open_table(table_name)
        tag = TAG_PREFIX + name
        if table.tags.get_version(tag) != version:
            raise SystemExit(f"{table_name}: tag {tag} does not point at version {version}")
        table.restore(tag)
        actions.append(f"restored {table_name} to version {version} ({tag})")
    return actions


def _sqlite_files(home: Path) -> list[Path]:
    return sorted(p for p in home.rglob("*.db") if p.is_file())


def backup_instance(home: Path, target: Path) -> list[str]:
    """Copy each SQLite database of DAGSTER_HOME with the online backup API."""
    copied = []
    for source in _sqlite_files(home):
        relative = source.relative_to(home)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
            src.backup(dst)
        copied.append(str(relative))
    for config in ("dagster.yaml",):
        if (home / config).is_file():
            (target / config).write_bytes((home / config).read_bytes())
    return copied


def restore_instance(source: Path, home: Path) -> list[str]:
    """Put the backed-up databases back (stop the daemon and webserver first). Each is copied
    next to its target and renamed over it, so a corrupt or missing file is simply replaced."""
    restored = []
    for backup in _sqlite_files(source):
        relative = backup.relative_to(source)
        destination = home / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = destination.with_name(destination.name + ".restoring")
        staging.unlink(missing_ok=True)
        with sqlite3.connect(backup) as src, sqlite3.connect(staging) as dst:
            src.backup(dst)
        for stale in (destination.with_name(destination.name + s) for s in ("-wal", "-shm")):
            stale.unlink(missing_ok=True)  # a WAL from after the backup would replay onto it
        os.replace(staging, destination)
        restored.append(str(relative))
    return restored


def pg_restore_command(dump: Path) -> list[str]:
    # --clean --if-exists: replace what is there; the connection comes from PG* variables.
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname=dagster", str(dump)]


def cmd_backup(args: argparse.Namespace) -> None:
    name = args.name or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = args.to / name
    folder.mkdir(parents=True, exist_ok=False)
    versions = snapshot_lancedb(args.lancedb, name)
    (folder / MANIFEST).write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    copied = backup_instance(args.dagster_home, folder / INSTANCE_DIR) if args.dagster_home else []
    print(f"backup {folder}: {len(versions)} LanceDB tables tagged, {len(copied)} SQLite files")


def cmd_restore(args: argparse.Namespace) -> None:
    folder: Path = getattr(args, "from")
    name = folder.name
    versions = json.loads((folder / MANIFEST).read_text())
    for line in restore_lancedb(args.lancedb, name, versions):
        print(line)
    if args.dagster_home and (folder / INSTANCE_DIR).is_dir():
        for line in restore_instance(folder / INSTANCE_DIR, args.dagster_home):
            print(f"restored {line}")
    if args.pg_dump:
        command = pg_restore_command(args.pg_dump)
        print("+ " + shlex.join(command))
        if args.apply:
            subprocess.run(command, check=True, timeout=3600)


def cmd_list(args: argparse.Namespace) -> None:
    db = _connect(args.lancedb)
    for table_name in _table_names(db):
        tags = db.open_table(table_name).tags.list()
        lab_tags = sorted(t for t in tags if t.startswith(TAG_PREFIX))
        print(f"{table_name}: {', '.join(lab_tags) or '(no snapshot)'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    backup = sub.add_parser("backup", help="tag LanceDB and copy the instance databases")
    backup.add_argument("--lancedb", type=Path, required=True)
    backup.add_argument("--dagster-home", type=Path)
    backup.add_argument("--to", type=Path, required=True, help="folder for the backups")
    backup.add_argument("--name", help="snapshot name (default: UTC timestamp)")
    restore = sub.add_parser("restore", help="restore one backup made by `backup`")
    restore.add_argument("--lancedb", type=Path, required=True)
    restore.add_argument("--dagster-home", type=Path)
    restore.add_argument("--from", type=Path, required=True, help="a folder made by `backup`")
    restore.add_argument("--pg-dump", type=Path, help="a pg_dump -Fc file (cluster instance)")
    restore.add_argument("--apply", action="store_true", help="run pg_restore, not only print")
    listing = sub.add_parser("list", help="list the snapshot tags of every table")
    listing.add_argument("--lancedb", type=Path, required=True)
    args = parser.parse_args(argv)
    {"backup": cmd_backup, "restore": cmd_restore, "list": cmd_list}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
