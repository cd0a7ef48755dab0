"""The KPI registry: built-in definitions plus any a user registers."""

from __future__ import annotations

from insightdesk.metrics.spec import KPI

_REGISTRY: dict[str, KPI] = {}
_LOADED = False


class UnknownKPIError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def _load_builtins() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from insightdesk.metrics.definitions import BUILTIN_KPIS

    for kpi in BUILTIN_KPIS:
        _REGISTRY.setdefault(kpi.name, kpi)


def register_kpi(kpi: KPI, *, replace: bool = False) -> KPI:
    """Add a KPI to the registry (see docs/metrics.md, "Adding a KPI"). Returns it."""
    _load_builtins()
    if kpi.name in _REGISTRY and not replace:
        raise ValueError(f"a KPI named {kpi.name!r} is already registered; pass replace=True to override")
    _REGISTRY[kpi.name] = kpi
    return kpi


def unregister_kpi(name: str) -> None:
    _load_builtins()
    _REGISTRY.pop(name, None)


def get_kpi(name: str) -> KPI:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownKPIError(
            f"unknown KPI {name!r}; known: {', '.join(sorted(_REGISTRY))} (see `insightdesk metrics list`)"
        ) from None


def list_kpis(family: str | None = None) -> list[KPI]:
    """Registered KPIs in registration order, optionally of one family."""
    _load_builtins()
    return [k for k in _REGISTRY.values() if family is None or k.family == family]
