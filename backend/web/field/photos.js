import { MAX_PHOTO_SIDE, localIso } from "./common.js";

// ---- photos ----------------------------------------------------------------------------
export async function shrink(file) {
  // resized on the tablet before it is stored: at most 1600 px, JPEG
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { blob, sha256 };
}

export async function attachPhotos(doc, files, prefix) {
  doc.photos = []; doc._attachments = {};
  let n = 0;
  for (const file of files) {
    const { blob, sha256 } = await shrink(file);
    const name = `${prefix}-${++n}.jpg`;
    doc.photos.push({ name, sha256, taken_at: localIso(new Date(file.lastModified || Date.now())), content_type: "image/jpeg" });
    doc._attachments[name] = { content_type: "image/jpeg", data: blob };
  }
}
