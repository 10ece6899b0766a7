"""The repository's root, which the tests read files from and run commands in."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
