"""Which database errors mean "the database failed" (retry the whole unit of work) and
which mean "this statement was refused" (the document or request is at fault)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from backend.database import out_of_reach


class DriverError(Exception):
    """What asyncpg's adapted errors carry: the server's SQLSTATE, if any."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _bare(message: str, sqlstate: str | None) -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(message, sqlstate))


@pytest.mark.parametrize(
    ("message", "sqlstate"),
    [
        ("terminating connection due to administrator command", "57P01"),
        ('database "x" is not currently accepting connections', "55000"),
        ("the database system is starting up", "57P03"),
        ("sorry, too many clients already", "53300"),
        ("connection failure", "08006"),
        ('database "x" does not exist', "3D000"),
        ('password authentication failed for user "x"', "28P01"),
        ("connection was closed in the middle of operation", None),
    ],
)
def test_a_database_that_cannot_serve_is_out_of_reach(message: str, sqlstate: str | None) -> None:
    assert out_of_reach(_bare(message, sqlstate))


@pytest.mark.parametrize(
    ("message", "sqlstate"),
    [
        ("value too long for type character varying(300)", "22001"),
        ("invalid input syntax for type json", "22P02"),
        ("division by zero", "22012"),
    ],
)
def test_a_refused_statement_is_not(message: str, sqlstate: str) -> None:
    assert not out_of_reach(_bare(message, sqlstate))


def test_the_driver_classes() -> None:
    assert out_of_reach(OperationalError("SELECT 1", None, DriverError("locked", None)))
    assert out_of_reach(PoolTimeout("QueuePool limit reached"))
    assert out_of_reach(ConnectionRefusedError(111, "Connection refused"))
    assert not out_of_reach(IntegrityError("INSERT", None, DriverError("duplicate", "23505")))
    assert not out_of_reach(ValueError("a handler's own bug"))
    invalidated = _bare("server closed the connection unexpectedly", "22000")
    invalidated.connection_invalidated = True
    assert out_of_reach(invalidated)
