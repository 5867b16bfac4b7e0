"""Where the tests find the repository's files (one place, so moving a test file breaks nothing)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
