"""SQLite files the feedback store must refuse."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def someone_elses_database(path: Path) -> Path:
    """A database with another application's table (invoices) and nothing of RoleFit's."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    return path
