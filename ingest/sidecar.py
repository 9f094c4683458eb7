"""Sidecar metadata: a ``MANIFEST.tsv`` in a folder names each file's title, 文号, issuer, date.

Columns (header row required, order free, extra columns ignored):
``file  title  doc_number  issuer  date  jurisdiction``. Values given here override what is read off
the document. An empty cell means "read it off the document".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from chunfeng.errors import FileLoadError

SIDECAR_NAMES = ("MANIFEST.tsv", "manifest.tsv")


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """file name → metadata, from the folder's MANIFEST.tsv (empty when there is none)."""
    for name in SIDECAR_NAMES:
        path = folder / name
        if path.is_file():
            return parse_manifest(path.read_text(encoding="utf-8-sig"), path)
    return {}


def parse_manifest(text: str, path: Path | str = "MANIFEST.tsv") -> dict[str, dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    if not reader.fieldnames or "file" not in reader.fieldnames:
        raise FileLoadError(
            f"{path} 缺少表头或没有 file 列；第一行应为：file<Tab>title<Tab>doc_number<Tab>issuer<Tab>date<Tab>jurisdiction。",
            code="bad_manifest",
        )
    out: dict[str, dict[str, str]] = {}
    for row in reader:
        name = (row.get("file") or "").strip()
        if name:
            out[name] = {k: (v or "").strip() for k, v in row.items() if k and k != "file"}
    return out
