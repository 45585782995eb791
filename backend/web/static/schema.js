// The API reference at /schema: Swagger UI, vendored from npm (no CDN, no inline script).
"use strict";
window.SwaggerUIBundle({ url: "/schema/openapi.json", dom_id: "#api", deepLinking: true });
