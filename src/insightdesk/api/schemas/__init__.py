"""Response and request shapes of the REST API (separate from the store's tables).

Every JSON route declares one of these as its response model, so /openapi.json describes every
answer; one module per area: accounts, admin (health, settings, audit), records, metrics, insights.
"""

from __future__ import annotations

from insightdesk.api.schemas.accounts import (
    LoginRequest,
    Me,
    TokenCreated,
    TokenList,
    TokenPublic,
    TokenRequest,
    UserCreate,
    UserList,
    UserPublic,
    UserUpdate,
)
from insightdesk.api.schemas.admin import (
    AuditEntry,
    AuditPage,
    AuditVerify,
    Health,
    SettingList,
    SettingState,
    SettingUpdate,
    SettingValue,
)
from insightdesk.api.schemas.insights import (
    BacklogChangeResult,
    DriversView,
    ImpactAnalysis,
    ImpactList,
    PainpointDetail,
    PainpointRanking,
    RiskView,
    StoredAlert,
    StoredAlerts,
)
from insightdesk.api.schemas.metrics import (
    Comparison,
    Dimensions,
    KpiAlerts,
    KpiCatalog,
    KpiInfo,
    KpiRows,
    Overview,
    PainPoints,
    Themes,
)
from insightdesk.api.schemas.records import (
    CustomerRecord,
    FeedbackPage,
    IngestResponse,
    Page,
    TicketDetail,
    TicketPage,
)

__all__ = [
    "AuditEntry",
    "AuditPage",
    "AuditVerify",
    "BacklogChangeResult",
    "Comparison",
    "CustomerRecord",
    "Dimensions",
    "DriversView",
    "FeedbackPage",
    "Health",
    "ImpactAnalysis",
    "ImpactList",
    "IngestResponse",
    "KpiAlerts",
    "KpiCatalog",
    "KpiInfo",
    "KpiRows",
    "LoginRequest",
    "Me",
    "Overview",
    "Page",
    "PainPoints",
    "PainpointDetail",
    "PainpointRanking",
    "RiskView",
    "SettingList",
    "SettingState",
    "SettingUpdate",
    "SettingValue",
    "StoredAlert",
    "StoredAlerts",
    "Themes",
    "TicketDetail",
    "TicketPage",
    "TokenCreated",
    "TokenList",
    "TokenPublic",
    "TokenRequest",
    "UserCreate",
    "UserList",
    "UserPublic",
    "UserUpdate",
]
