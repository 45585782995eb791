"""Chinese map datums converted to WGS-84, checked against prcoords (public domain)."""

from __future__ import annotations

import numpy as np
import prcoords
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.datum import (
    UnknownDatum,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)

china_lon = st.floats(73.0, 135.0)
china_lat = st.floats(18.0, 53.0)
METRE = 1e-5  # about a metre in degrees


@given(china_lon, china_lat)
def test_wgs84_to_gcj02_matches_the_reference(lon: float, lat: float) -> None:
    ref = prcoords.wgs_gcj((lat, lon))
    got_lon, got_lat = wgs84_to_gcj02(lon, lat)
    assert got_lon == pytest.approx(ref.lon, abs=1e-9)
    assert got_lat == pytest.approx(ref.lat, abs=1e-9)


@given(china_lon, china_lat)
def test_gcj02_to_wgs84_inverts_the_offset_to_under_a_millimetre(lon: float, lat: float) -> None:
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    back_lon, back_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert float(back_lon) == pytest.approx(lon, abs=1e-8)
    assert float(back_lat) == pytest.approx(lat, abs=1e-8)
    ref = prcoords.gcj_wgs_bored((lat, lon))
    assert float(w_lon) == pytest.approx(ref.lon, abs=0.01 * METRE)
    assert float(w_lat) == pytest.approx(ref.lat, abs=0.01 * METRE)


@given(china_lon, china_lat)
def test_bd09_to_wgs84_matches_the_reference(lon: float, lat: float) -> None:
    w_lon, w_lat = to_wgs84(lon, lat, "bd09")
    ref = prcoords.bd_wgs_bored((lat, lon))
    assert float(w_lon) == pytest.approx(ref.lon, abs=0.1 * METRE)
    assert float(w_lat) == pytest.approx(ref.lat, abs=0.1 * METRE)
    g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
    b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
    assert (float(b_lon), float(b_lat)) == pytest.approx((lon, lat), abs=1e-8)


def test_points_outside_china_are_not_moved() -> None:
    lon, lat = np.array([2.35, -74.0, 151.2]), np.array([48.85, 40.7, -33.87])
    got_lon, got_lat = to_wgs84(lon, lat, "gcj02")
    assert np.allclose(got_lon, lon)
    assert np.allclose(got_lat, lat)


def test_vectors_convert_like_scalars() -> None:
    lons, lats = np.linspace(100, 125, 50), np.linspace(20, 45, 50)
    v_lon, v_lat = to_wgs84(lons, lats, "gcj02")
    for i in range(0, 50, 7):
        s_lon, s_lat = to_wgs84(lons[i], lats[i], "gcj02")
        assert (v_lon[i], v_lat[i]) == (float(s_lon), float(s_lat))


def test_an_unknown_datum_is_named() -> None:
    with pytest.raises(UnknownDatum, match="'cgcs2000' is not one of wgs84, gcj02, bd09"):
        to_wgs84(120.0, 30.0, "cgcs2000")
