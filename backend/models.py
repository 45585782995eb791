"""Every table model, imported in one place so metadata is complete."""

from sqlmodel import SQLModel

from backend.accounts.models import Account
from backend.audit.models import AuditEntry
from backend.boundaries.models import BoundaryVersion, PlaceBoundary
from backend.devices.models import Device
from backend.grids.models import Place
from backend.hazards.models import Hazard
from backend.inspections.models import Inspection
from backend.ledger.models import LedgerEntry
from backend.photos.models import HazardPhoto, Photo
from backend.sites.models import Site
from backend.synced.models import QuarantinedChange, SyncCheckpoint, SyncedDocument
from backend.tracks.models import TrackSegment

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "AuditEntry",
    "BoundaryVersion",
    "Device",
    "Hazard",
    "HazardPhoto",
    "Inspection",
    "LedgerEntry",
    "Photo",
    "Place",
    "PlaceBoundary",
    "QuarantinedChange",
    "Site",
    "SyncCheckpoint",
    "SyncedDocument",
    "TrackSegment",
    "metadata",
]
