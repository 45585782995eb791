// The field app's service worker: the app shell and the mobile schemas come from the
// cache, so the app opens with no network. Data never goes through here: PouchDB keeps
// it in IndexedDB and replicates with /couch/ when there is a network.
const SHELL = "field-shell-v5";
const BASEMAP = "field-basemap-";  // the offline base map (basemap.js) keeps its own caches
const FILES = [
  "/field/", "/field/main.js", "/field/common.js", "/field/text.js", "/field/contract.js", "/field/sync.js",
  "/field/screens.js", "/field/photos.js", "/field/writing.js", "/field/patrol.js", "/field/position.js",
  "/field/checklists.js", "/field/basemap.js", "/field/app.css", "/field/manifest.webmanifest", "/field/icon.svg",
  "/field/vendor/pouchdb.min.js", "/field/vendor/ajv2020.min.js",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/dom.js",
  "/static/vendor/pmtiles/pmtiles.js", "/static/basemap.js", "/mobile-schema/",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(FILES);
    const index = await (await fetch("/mobile-schema/")).json();
    const current = index.versions.find((v) => v.version === index.current_version);
    await cache.addAll(current.schemas);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== SHELL && !key.startsWith(BASEMAP)) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  // data and the base map archive (byte ranges, which a cache cannot hold) go straight through
  if (["/couch/", "/api/", "/basemap/"].some((prefix) => url.pathname.startsWith(prefix))) return;
  // the network first (a new version is picked up at once), the cache when offline
  event.respondWith((async () => {
    try {
      const answer = await fetch(event.request);
      if (answer.ok) (await caches.open(SHELL)).put(event.request, answer.clone());
      return answer;
    } catch {
      const cached = await caches.match(event.request, { ignoreSearch: url.pathname === "/field/" });
      return cached || Response.error();
    }
  })());
});
