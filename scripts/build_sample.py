"""Rebuild the bundled sample (src/insightdesk/sample/data) from ../shared/data.

.venv/bin/python scripts/build_sample.py [--data ../shared/data] [--out DIR]
"""

from __future__ import annotations

from insightdesk.sample.build import main

if __name__ == "__main__":
    main()
