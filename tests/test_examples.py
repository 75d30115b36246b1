"""The shipped example data is what its generator writes: regenerating gives byte-identical files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETS = {  # generator -> the folder it writes by default
    "generate_xx.py": "xx-district-2022",
    "generate_qingyang.py": "qingyang-2017q3",
    "generate_xinzheng.py": "xinzheng-2018-01",
    "generate_zhumadian.py": "zhumadian-2021-05",
    "generate_counties.py": "counties",
}


@pytest.mark.parametrize("generator,folder", sorted(SETS.items()))
def test_example_data_regenerates_byte_for_byte(generator: str, folder: str, tmp_path: Path) -> None:
    ran = subprocess.run([sys.executable, str(ROOT / "examples" / "tools" / generator), str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    shipped = ROOT / "examples" / folder
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in shipped.iterdir()), "the generator writes other files than are shipped"
    for name in written:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), f"examples/{folder}/{name} differs from its generator"
