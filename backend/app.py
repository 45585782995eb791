"""The composition root: ``create_app(settings)``."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from backend import errors
from backend.accounts.admin_controller import AccountController
from backend.accounts.auth import jwt_auth
from backend.accounts.controller import AuthController
from backend.audit.controller import AuditController
from backend.boundaries.controller import BoundaryController
from backend.coverage.controller import CoverageController
from backend.dependencies import provide_account, provide_runtime, provide_session
from backend.devices.controller import DeviceController
from backend.etag import ETagMiddleware
from backend.exports.controller import ExportController
from backend.grids.controller import GridController
from backend.hazards.controller import HazardController
from backend.health.controller import health, ready
from backend.ledger.controller import LedgerController
from backend.lifespan import runtime
from backend.mobile_schema.controller import MobileSchemaController
from backend.photos.controller import PhotoController
from backend.replication.controller import SyncController
from backend.settings import Settings
from backend.sites.controller import SiteController


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    auth = jwt_auth(settings.jwt_secret)
    app = Litestar(
        on_app_init=[auth.on_app_init],
        route_handlers=[
            AuthController,
            AccountController,
            health,
            ready,
            GridController,
            HazardController,
            SyncController,
            DeviceController,
            BoundaryController,
            PhotoController,
            LedgerController,
            AuditController,
            SiteController,
            CoverageController,
            ExportController,
            MobileSchemaController,
        ],
        dependencies={
            "session": Provide(provide_session),
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "account": Provide(provide_account, sync_to_thread=False),
        },
        lifespan=[runtime],
        middleware=[ETagMiddleware()],
        exception_handlers=errors.handlers,
        openapi_config=OpenAPIConfig(title="Grid inspection API", version="0.1.0"),
        debug=False,
    )
    app.state.settings = settings
    app.state.jwt_auth = auth
    return app
