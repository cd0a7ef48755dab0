"""Copy Vega, Vega-Lite and Vega-Embed (minified UMD builds) into the dashboard's static folder.

The dashboard serves every asset itself (no CDN: it must work offline). The JS comes from the
`altair_viewer` wheel on PyPI, which bundles these builds; run this script to refresh them:

    python scripts/vendor_vega.py

It downloads the pinned wheel with pip (no dependencies), extracts three files and their
licence notice, and writes them to src/insightdesk/web/static/vendor/.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "altair_viewer==0.4.0"
FILES = {
    "altair_viewer/scripts/vega-5.21.0.js": "vega.min.js",
    "altair_viewer/scripts/vega-lite-4.17.0.js": "vega-lite.min.js",
    "altair_viewer/scripts/vega-embed-6.20.0.js": "vega-embed.min.js",
}
TARGET = Path(__file__).resolve().parents[1] / "src" / "insightdesk" / "web" / "static" / "vendor"
NOTICE = """Vendored by scripts/vendor_vega.py from the PyPI wheel {wheel}:
- vega.min.js        Vega 5.21.0         BSD-3-Clause, Copyright (c) 2015-2021, University of Washington Interactive Data Lab
- vega-lite.min.js   Vega-Lite 4.17.0    BSD-3-Clause, Copyright (c) 2015-2021, University of Washington Interactive Data Lab
- vega-embed.min.js  Vega-Embed 6.20.0   BSD-3-Clause, Copyright (c) 2015-2021, University of Washington Interactive Data Lab
"""


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", tmp], check=True
        )
        wheel = next(Path(tmp).glob("altair_viewer-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            for member, name in FILES.items():
                (TARGET / name).write_bytes(zf.read(member))
    (TARGET / "NOTICE.txt").write_text(NOTICE.format(wheel=WHEEL), encoding="utf-8")
    print(f"wrote {', '.join(FILES.values())} to {TARGET}")


if __name__ == "__main__":
    main()
