import { $, state, t } from "./common.js";
import { attachBasemap } from "./basemap.js";
import { recordFix } from "./patrol.js";

// ---- position ----------------------------------------------------------------------------
export function showFix() {
  const fix = $("#fix");
  if (state.manual) fix.textContent = t("fix_manual", { lat: state.manual.lat.toFixed(6), lon: state.manual.lon.toFixed(6) });
  else if (state.fix) fix.textContent = t("fix", { lat: state.fix.lat.toFixed(6), lon: state.fix.lon.toFixed(6), acc: Math.round(state.fix.accuracy) });
  else fix.textContent = t("no_fix");
  $("#position").textContent = state.fix ? t("position", { acc: Math.round(state.fix.accuracy) }) : t("no_fix");
}

export function watchPosition() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((p) => {
    state.fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, time: p.timestamp };
    showFix();
    recordFix(p);
  }, () => showFix(), { enableHighAccuracy: true, maximumAge: 10000 });
}

export function placeManually() {
  const box = $("#pick-map");
  box.hidden = false;
  if (!state.pickMap) {
    state.pickMap = L.map(box, { maxZoom: 20 });
    attachBasemap(state.pickMap);
    state.pickMap.fitBounds(state.map.getBounds());
    state.pickMap.on("click", (e) => {
      state.manual = { lat: e.latlng.lat, lon: e.latlng.lng };
      state.pickMarker?.remove();
      state.pickMarker = L.marker(e.latlng).addTo(state.pickMap);
      showFix();
    });
  }
  setTimeout(() => state.pickMap.invalidateSize(), 50);
}
