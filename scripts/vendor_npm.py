"""Copy the npm assets the project ships or tests with, from pinned packages, into the tree.

- Swagger UI 5 (`swagger-ui-dist`, Apache-2.0; reads OpenAPI 3.1) for /docs, into
  src/insightdesk/web/static/vendor/ (names prefixed `swagger-ui`): the app serves every asset
  itself, no CDN, so it works offline.
- axe-core (`axe-core`, MPL-2.0), the accessibility checker the browser tests inject into every
  page, into tests/support/ (a test-only asset, not part of the package; see NOTICE).

Run it to refresh them (needs `npm`; nothing is installed):

    python scripts/vendor_npm.py

Each package is fetched with `npm pack` into a temporary folder and the named files extracted.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# package@version -> (target folder, {file in the tarball: name in the tree})
PACKAGES: dict[str, tuple[Path, dict[str, str]]] = {
    "swagger-ui-dist@5.35.0": (
        ROOT / "src" / "insightdesk" / "web" / "static" / "vendor",
        {
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/favicon-32x32.png": "swagger-ui-favicon-32x32.png",
            "package/LICENSE": "swagger-ui-LICENSE.txt",
            "package/NOTICE": "swagger-ui-NOTICE.txt",
            "package/swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
        },
    ),
    "axe-core@4.11.0": (
        ROOT / "tests" / "support",
        {"package/axe.min.js": "axe.min.js", "package/LICENSE": "axe-LICENSE.txt"},
    ),
}


def _without_source_map(data: bytes) -> bytes:
    # The .map files are not shipped: a dangling sourceMappingURL only makes browsers ask for them.
    lines = data.rstrip(b"\n").split(b"\n")
    if lines and lines[-1].startswith((b"//# sourceMappingURL=", b"/*# sourceMappingURL=")):
        lines = lines[:-1]
    return b"\n".join(lines) + b"\n"


def vendor(package: str, target: Path, files: dict[str, str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", package], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tf:
            for member, name in files.items():
                source = tf.extractfile(member)
                if source is None:
                    raise SystemExit(f"{member} missing from {tarball.name}")
                data = source.read()
                if name.endswith((".js", ".css")):
                    data = _without_source_map(data)
                (target / name).write_bytes(data)
    print(f"{package}: wrote {', '.join(files.values())} to {target.relative_to(ROOT)}")


def main() -> None:
    for package, (target, files) in PACKAGES.items():
        vendor(package, target, files)


if __name__ == "__main__":
    main()
