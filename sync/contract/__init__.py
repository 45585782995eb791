"""The contract with tablets: the JSON Schemas in ``mobile-schema/``, loaded once,
validated with jsonschema-rs, with upgrades of older document versions."""

from sync.contract.check import SchemaCheck, check_worker_doc
from sync.contract.schemas import ErrorDetail, SchemaSet, load_schemas

__all__ = ["ErrorDetail", "SchemaCheck", "SchemaSet", "check_worker_doc", "load_schemas"]
