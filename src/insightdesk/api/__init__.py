"""The REST API and the dashboard's server: FastAPI routers over the feature services; no business logic."""
