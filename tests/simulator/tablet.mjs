// A grid worker's tablet: PouchDB 9 with a local LevelDB, offline until told to sync.
//
//   node tablet.mjs --dir DIR --remote URL --user U --password P COMMAND [options]
//
// Commands (each prints one JSON object on stdout):
//   create --hazards N --inspections N --photos N [--invalid-every K] [--v0-every K]
//        write documents locally (offline), as the device user
//   push | pull | sync      one-shot replication to / from / both ways with the grid database
//   list --type T           local documents of one type
//   edit --id ID --set JSON  change a local document (new revision)
//   rectify --id HAZARD --photos N  write a rectification report about a hazard
//   info                    local document count and update sequence
import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import PouchDB from "pouchdb";

const PHOTO = Buffer.from("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAYACADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDzuGw9qvw2HtWtDYe1aENh7V6lTFnNgsdtqZENh7VoQ2HtWtDYe1X4bD2rzqmLPs8FjttSvDYe1X4bD2oorzKlSR+P4KtPQvw2HtWhDYe1FFedVqSPs8FWnof/2Q==", "base64");
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function ulid() {
  let value = (BigInt(Date.now()) << 80n) | BigInt("0x" + randomBytes(10).toString("hex"));
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(value % 32n)] + out;
    value /= 32n;
  }
  return out;
}

function photo() {
  // trailing bytes after the JPEG end marker keep each photo unique and decodable
  const data = Buffer.concat([PHOTO, randomBytes(16)]);
  return { data, sha256: createHash("sha256").update(data).digest("hex") };
}

function isoNow(offsetMinutes = 480) {
  const local = new Date(Date.now() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

function base(type, opts) {
  return {
    _id: `${type}:${opts.device}:${ulid()}`,
    type,
    schema_version: 1,
    app_version: "1.4.2",
    author: opts.user,
    device_id: opts.device,
    grid_id: opts.grid,
    created_at: isoNow(),
  };
}

function hazard(opts, i, photos) {
  const doc = {
    ...base("hazard", opts),
    category: ["fire", "work_safety", "food", "traffic", "other"][i % 5],
    sector: ["crowded_place", "construction", "catering", "gas", "other"][i % 5],
    severity: i % 7 === 0 ? "major" : "general",
    title: `巡查发现隐患 #${i}`,
    description: "模拟平板上报的隐患。",
    location: {
      lat: opts.lat + (i % 10) * 0.0001,
      lon: opts.lon + (i % 7) * 0.0001,
      accuracy_m: 5 + (i % 20),
      provider: "gps",
      datum: "wgs84",
    },
    reported_at: isoNow(),
    photos: [],
    _attachments: {},
  };
  for (let p = 0; p < photos; p++) {
    const { data, sha256 } = photo();
    const name = `photo-${p + 1}.jpg`;
    doc.photos.push({ name, sha256, taken_at: isoNow(), content_type: "image/jpeg" });
    doc._attachments[name] = { content_type: "image/jpeg", data };
  }
  return doc;
}

function v0Hazard(opts, i) {
  const { schema_version, created_at, ...rest } = base("hazard", opts);
  return {
    ...rest,
    app_version: "0.9.3",
    created_at,
    title: `旧版本上报 #${i}`,
    category: "work_safety",
    level: "general",
    lat: opts.lat,
    lon: opts.lon,
    report_time: Date.now(),
  };
}

function inspection(opts, i) {
  return {
    ...base("inspection", opts),
    kind: "hazard_inspection",
    category: "fire",
    site: { name: `商铺 ${i}`, sector: "crowded_place" },
    answers: [{ item_id: "exits-clear", answer: i % 3 === 0 ? "no" : "yes" }],
    location: { lat: opts.lat, lon: opts.lon, accuracy_m: 10, provider: "fused" },
    started_at: isoNow(),
    finished_at: isoNow(),
  };
}

function rectification(opts, hazardId, photos) {
  const doc = {
    ...base("rectification_report", opts),
    hazard_id: hazardId,
    text: "已按要求整改完毕，现场复核无误。",
    rectified_at: isoNow(),
    location: { lat: opts.lat, lon: opts.lon, accuracy_m: 8, provider: "gps" },
    photos: [],
    _attachments: {},
  };
  for (let p = 0; p < photos; p++) {
    const { data, sha256 } = photo();
    const name = `after-${p + 1}.jpg`;
    doc.photos.push({ name, sha256, taken_at: isoNow(), content_type: "image/jpeg" });
    doc._attachments[name] = { content_type: "image/jpeg", data };
  }
  return doc;
}

async function create(local, opts) {
  const docs = [];
  for (let i = 0; i < opts.hazards; i++) {
    if (opts["v0-every"] && i % opts["v0-every"] === 0) docs.push(v0Hazard(opts, i));
    else {
      const doc = hazard(opts, i, opts.photos);
      if (opts["invalid-every"] && i % opts["invalid-every"] === 0) doc.location.lat = 91;
      docs.push(doc);
    }
  }
  for (let i = 0; i < opts.inspections; i++) docs.push(inspection(opts, i));
  const results = [];
  for (let start = 0; start < docs.length; start += 100) {
    results.push(...(await local.bulkDocs(docs.slice(start, start + 100))));
  }
  const failed = results.filter((r) => r.error);
  return { created: results.length - failed.length, failed: failed.length, ids: docs.map((d) => d._id) };
}

async function replicate(local, remote, direction) {
  const options = { batch_size: 100, batches_limit: 4 };
  const run = async (from, to) => {
    try {
      const info = await PouchDB.replicate(from, to, options);
      return { ok: info.ok, docs_read: info.docs_read, docs_written: info.docs_written,
               doc_write_failures: info.doc_write_failures,
               errors: info.errors.map((e) => ({ status: e.status, name: e.name, message: e.message })) };
    } catch (err) {
      return { ok: false, status: err.status ?? null, name: err.name ?? "error", message: String(err.message ?? err) };
    }
  };
  const out = {};
  if (direction !== "pull") out.push = await run(local, remote);
  if (direction !== "push") out.pull = await run(remote, local);
  out.ok = Object.values(out).every((r) => r.ok);
  return out;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: "string" }, remote: { type: "string" },
      user: { type: "string" }, password: { type: "string" },
      device: { type: "string" }, grid: { type: "string" },
      hazards: { type: "string", default: "0" }, inspections: { type: "string", default: "0" },
      photos: { type: "string", default: "0" }, "invalid-every": { type: "string", default: "0" },
      "v0-every": { type: "string", default: "0" },
      lat: { type: "string", default: "30.2712" }, lon: { type: "string", default: "120.1523" },
      type: { type: "string" }, id: { type: "string" }, set: { type: "string" },
    },
  });
  const opts = { ...values };
  for (const key of ["hazards", "inspections", "photos", "invalid-every", "v0-every", "lat", "lon"]) {
    opts[key] = Number(values[key]);
  }
  const local = new PouchDB(values.dir);
  const remote = values.remote
    ? new PouchDB(values.remote, { auth: { username: values.user, password: values.password }, skip_setup: true })
    : null;
  const command = positionals[0];
  let result;
  if (command === "create") result = await create(local, opts);
  else if (["push", "pull", "sync"].includes(command)) result = await replicate(local, remote, command);
  else if (command === "list") {
    const all = await local.allDocs({ include_docs: true, conflicts: true });
    result = { docs: all.rows.map((r) => r.doc).filter((d) => d && d.type === values.type) };
  } else if (command === "edit") {
    const doc = await local.get(values.id);
    result = await local.put({ ...doc, ...JSON.parse(values.set) });
  } else if (command === "rectify") {
    const doc = rectification(opts, values.id, opts.photos);
    result = { ...(await local.put(doc)), id: doc._id };
  } else if (command === "info") result = await local.info();
  else throw new Error(`unknown command ${command}`);
  await local.close();
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ ok: false, fatal: String(err?.stack ?? err) }) + "\n");
  process.exit(1);
});
