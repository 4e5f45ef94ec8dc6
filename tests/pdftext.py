"""What a person reads in a PDF the bot or the CLI produced: its text by poppler's pdftotext, whitespace
removed (the layout breaks lines anywhere)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(data: bytes, folder: Path, name: str = "got.pdf") -> str:
    path = folder / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())
