"""Checklist forms published to every grid database for tablets to fill in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_FORMS = Path(__file__).resolve().parent / "default_forms.json"


def default_forms() -> list[dict[str, Any]]:
    """The built-in checklist templates, as ``form`` documents."""
    forms: list[dict[str, Any]] = json.loads(DEFAULT_FORMS.read_text(encoding="utf-8"))
    return [
        {"_id": f"form:{f['form_id']}", "type": "form", "schema_version": 1, **f} for f in forms
    ]
