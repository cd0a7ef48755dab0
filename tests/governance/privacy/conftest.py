"""A small desk with a person to erase, loaded once per engine and session, copied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from insightdesk.store import Store, open_store
from tests.governance.privacy import erasure_data as desk
from tests.support.stores import LoadedStores, Loader


@pytest.fixture(scope="session")
def desk_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The person's old export files, outside any store's folder (the byte search skips them)."""
    return tmp_path_factory.mktemp("desk-exports")


def _loader(exports: Path) -> Loader:
    def load(url: str) -> None:
        with open_store(url) as store:
            desk.load_desk(store, exports)

    return load


@pytest.fixture
def desk_url(engine: str, loaded_stores: LoadedStores, desk_exports: Path, tmp_path: Path) -> Iterator[str]:
    """A private copy of the loaded desk on each engine."""
    with loaded_stores.copy("privacy_desk", engine, _loader(desk_exports), tmp_path) as url:
        yield url


@pytest.fixture
def desk_store(desk_url: str) -> Iterator[Store]:
    with open_store(desk_url) as store:
        yield store
