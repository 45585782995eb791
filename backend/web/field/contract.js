import { APP_VERSION, localIso, state, t, toast, ulid } from "./common.js";
import { refreshAll } from "./screens.js";
import { scheduleSync } from "./sync.js";

// ---- the contract --------------------------------------------------------------------
export async function loadSchemas() {
  const index = await (await fetch("/mobile-schema/")).json();
  const current = index.versions.find((v) => v.version === index.current_version);
  const Ajv = window.ajv2020.default || window.ajv2020;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  state.schemaIds = {};
  for (const url of current.schemas) {
    const schema = await (await fetch(url)).json();
    ajv.addSchema(schema);
    state.schemaIds[url.split("/").pop().replace(/\.json$/, "")] = schema.$id;
  }
  state.ajv = ajv;
}

export function contractErrors(doc) {
  const validate = state.schemaIds[doc.type] && state.ajv.getSchema(state.schemaIds[doc.type]);
  if (!validate) return [`${doc.type}: unknown document type`];
  const stub = { ...doc, _attachments: Object.fromEntries(Object.keys(doc._attachments || {}).map((k) => [k, { content_type: "image/jpeg", stub: true }])) };
  if (!Object.keys(stub._attachments).length) delete stub._attachments;
  return validate(stub) ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`);
}

export async function store(doc) {
  const errors = contractErrors(doc);
  if (errors.length) throw new Error(t("invalid") + errors.join("; "));
  await state.db.put(doc);
  window.fieldState.stored += 1;
  toast(t("saved_locally"));
  await refreshAll();
  scheduleSync(500);
}

export function baseDoc(type) {
  const d = state.device;
  return {
    _id: `${type}:${d.device_id}:${ulid()}`, type, schema_version: 1, app_version: APP_VERSION,
    author: d.username, device_id: d.device_id, grid_id: d.grid_id, created_at: localIso(),
  };
}
