"""The composition root: ``create_app(settings)``."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins import InitPluginProtocol
from litestar.static_files import create_static_files_router

from backend import errors
from backend.accounts.admin_controller import AccountController
from backend.accounts.auth import jwt_auth
from backend.accounts.controller import AuthController
from backend.audit.controller import AuditController
from backend.basemap.controller import basemap_archive, basemap_info
from backend.boundaries.controller import BoundaryController
from backend.couch_proxy.controller import couch_proxy
from backend.coverage.controller import CoverageController
from backend.dependencies import provide_account, provide_runtime, provide_session
from backend.devices.controller import DeviceController
from backend.devices.field_controller import field_device, field_enrol
from backend.etag import ETagMiddleware
from backend.exports.controller import ExportController
from backend.grids.controller import GridController
from backend.hazards.controller import HazardController
from backend.health.controller import health, ready
from backend.ledger.controller import LedgerController
from backend.lifespan import runtime
from backend.live.controller import EventController
from backend.live.plugin import channels_plugin
from backend.mobile_schema.controller import MobileSchemaController
from backend.openapi_page import VendoredSwaggerPage
from backend.openapi_problems import document_problems
from backend.photos.controller import PhotoController
from backend.replication.controller import SyncController
from backend.request_id import RequestIdMiddleware
from backend.security_headers import SecurityHeadersMiddleware
from backend.settings import Settings
from backend.sites.controller import SiteController
from backend.supervisor_map.controller import (
    FIELD_APP,
    STATIC,
    SupervisorMapController,
    devices_page,
    map_page,
)
from backend.tracks.controller import TracksController

COMPRESSION = CompressionConfig(
    backend="gzip", minimum_size=1024, exclude=["^/api/events", "^/couch/", "^/basemap/"]
)
"""Pages, scripts and JSON go out gzipped (the field app loads once over 2G); never the
live streams, which must flow as written, nor the base map (byte ranges of PNG tiles)."""


class RuntimePlugin(InitPluginProtocol):
    """Adds the runtime's lifespan after the plugins registered before it."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan.append(runtime)
        return app_config


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
            field_device,
            field_enrol,
            BoundaryController,
            PhotoController,
            LedgerController,
            AuditController,
            SiteController,
            CoverageController,
            TracksController,
            ExportController,
            EventController,
            SupervisorMapController,
            map_page,
            basemap_info,
            basemap_archive,
            devices_page,
            couch_proxy,
            create_static_files_router(
                path="/static",
                directories=[STATIC],
                opt={"exclude_from_auth": True},
                include_in_schema=False,
            ),
            create_static_files_router(
                path="/field",
                directories=[FIELD_APP],
                html_mode=True,
                opt={"exclude_from_auth": True},
                include_in_schema=False,
                name="field",
            ),
            MobileSchemaController,
        ],
        dependencies={
            "session": Provide(provide_session),
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "account": Provide(provide_account, sync_to_thread=False),
        },
        # channels first: their lifespan is entered before ours, so the follower (started in
        # ours) never publishes to a plugin that has not started, and ours exits first
        plugins=[channels_plugin(settings.redis_url, settings.couch_namespace), RuntimePlugin()],
        # compression outside the ETags: a body's ETag is the same gzipped or not (gzip
        # stamps the time into its header, so a hash of the gzipped bytes changes by the second)
        middleware=[
            RequestIdMiddleware(),
            SecurityHeadersMiddleware(settings.map_tile_url, production=settings.production),
            DefineMiddleware(CompressionMiddleware, config=COMPRESSION),
            ETagMiddleware(),
        ],
        exception_handlers=errors.handlers,
        openapi_config=OpenAPIConfig(
            title="Grid inspection API", version="0.1.0", render_plugins=[VendoredSwaggerPage()]
        ),
        debug=False,
    )
    app.state.settings = settings
    app.state.jwt_auth = auth
    document_problems(app)
    return app
