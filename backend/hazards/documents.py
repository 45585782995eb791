"""The shape of a ``hazard`` document as this server reads it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


class DocLocation(BaseModel):
    model_config = ConfigDict(extra="allow")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class HazardDoc(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(alias="_id", max_length=200)
    rev: str = Field(alias="_rev", max_length=64)
    type: Literal["hazard"]
    author: str = Field(min_length=1, max_length=128)
    device_id: str = Field(min_length=1, max_length=64)
    grid_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=32)
    severity: str | None = Field(default=None, max_length=16)
    location: DocLocation | None = None
    reported_at: AwareDatetime | None = None


class InvalidDocument(ValueError):
    """The document breaks its contract; ``errors`` are ``{path, message}`` pairs."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors))


def parse_hazard(doc: dict[str, Any]) -> HazardDoc:
    try:
        return HazardDoc.model_validate(doc)
    except ValidationError as exc:
        raise InvalidDocument(
            [
                {"path": "/" + "/".join(str(p) for p in err["loc"]), "message": err["msg"]}
                for err in exc.errors(include_url=False)
            ]
        ) from None
