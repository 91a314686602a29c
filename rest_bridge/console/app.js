// Galaxy ALPR console: static pages over the same REST API every client calls (no build step).
"use strict";
const API = "/galaxy-alpr/v1";
const VIDEO_EXT = /\.(mp4|avi|mkv|mov|webm)$/i;
const $ = (sel, root = document) => root.querySelector(sel);

function cell(row, value, cls) {
  const td = row.insertCell();
  if (value instanceof Node) td.append(value); else td.textContent = value ?? "";
  if (cls) td.className = cls;
  return td;
}

function imageUrl(path) {
  return path ? `${API}/images/${path.split("/").map(encodeURIComponent).join("/")}` : "";
}

function thumb(path, evidence) {
  if (!path) return "";
  const img = new Image();
  img.src = imageUrl(path);
  img.className = "thumb";
  img.alt = "plate crop";
  img.loading = "lazy";
  img.addEventListener("click", (e) => { e.stopPropagation(); showEvidence(evidence || path); });
  return img;
}

function showEvidence(path) {
  const dialog = $("#evidence");
  $("img", dialog).src = imageUrl(path);
  dialog.showModal();
}

function setStatus(el, text, error = false) {
  el.textContent = text;
  el.classList.toggle("error", error);
}

async function api(path, options = {}) {
  const response = await fetch(API + path, options);
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok || !body || body.success === false) {
    const error = new Error(body && body.error ? body.error : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body.data;
}

const pct = (v) => (v == null ? "" : `${Math.round(v * 100)}%`);
const localTime = (iso) => (iso ? new Date(iso).toLocaleString() : "");

// ---- Upload ----------------------------------------------------------------------------
function drawDetections(canvas, bitmap, detections) {
  const scale = Math.min(1, 960 / bitmap.width);
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 2;
  ctx.font = "bold 16px system-ui, sans-serif";
  const box = (b, color, label) => {
    if (!b) return;
    const [x1, y1, x2, y2] = b.map((v) => v * scale);
    ctx.strokeStyle = color;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    if (label) {
      const w = ctx.measureText(label).width + 8;
      ctx.fillStyle = color;
      ctx.fillRect(x1, Math.max(0, y1 - 22), w, 22);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, x1 + 4, Math.max(16, y1 - 5));
    }
  };
  for (const d of detections) {
    if (d.vehicle) box(d.vehicle.vehicle_bounding_box, "#0b6bcb", d.vehicle.vehicle_class);
    if (d.plate) box(d.plate.plate_bounding_box, "#1e8e3e", d.plate.plate_number || "plate");
  }
  canvas.hidden = false;
}

function showPhotoReads(detections) {
  const table = $("#upload-reads");
  const body = $("tbody", table);
  body.replaceChildren();
  detections.forEach((d, i) => {
    const row = body.insertRow();
    cell(row, i + 1);
    cell(row, d.plate ? d.plate.plate_number || "(unread)" : "-", "plate");
    cell(row, d.plate ? pct(d.plate.confidence_score) : "");
    cell(row, d.plate ? d.plate.plate_region_name || d.plate.plate_region_code : "");
    cell(row, d.plate ? d.plate.plate_type : "");
    cell(row, d.vehicle ? `${d.vehicle.vehicle_class} ${pct(d.vehicle.vehicle_confidence_score)}` : "");
  });
  table.hidden = false;
}

function showVideoVehicles(data) {
  const table = $("#upload-reads");
  const body = $("tbody", table);
  body.replaceChildren();
  (data.vehicles || []).forEach((v) => {
    const row = body.insertRow();
    cell(row, v.track_id);
    cell(row, v.plate_number || "(unread)", "plate");
    cell(row, pct(v.confidence));
    cell(row, v.plate_region_name || v.plate_region_code);
    cell(row, v.plate_type);
    cell(row, `${v.vehicle_class || ""} ${v.direction || ""} ${v.first_seen_s ?? ""}-${v.last_seen_s ?? ""} s`);
    if (v.best_plate_image_path) row.cells[1].prepend(thumb(v.best_plate_image_path, v.best_vehicle_image_path));
  });
  table.hidden = false;
}

async function upload(event) {
  event.preventDefault();
  const status = $("#upload-status");
  const file = $("#upload-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  $("#upload-canvas").hidden = true;
  $("#upload-reads").hidden = true;
  const isVideo = file.type.startsWith("video/") || VIDEO_EXT.test(file.name);
  setStatus(status, isVideo ? "Processing video…" : "Processing…");
  try {
    if (isVideo) {
      const camera = $("#upload-camera").value.trim();
      if (camera) form.append("camera_id", camera);
      const data = await api("/video/process-video", { method: "POST", body: form });
      showVideoVehicles(data);
      setStatus(status, `${(data.vehicles || []).length} vehicles in ${data.video ? data.video.duration_s : "?"} s of video`);
    } else {
      const data = await api("/alpr-core/process-single-image", { method: "POST", body: form });
      drawDetections($("#upload-canvas"), await createImageBitmap(file), data.detections || []);
      showPhotoReads(data.detections || []);
      const plates = (data.detections || []).filter((d) => d.plate && d.plate.plate_number).length;
      setStatus(status, `${plates} plate(s) read`);
    }
  } catch (error) {
    const missing = isVideo && (error.status === 404 || error.status === 405);
    setStatus(status, missing ? "Video processing is not available on this server." : `Failed: ${error.message}`, true);
  }
}

// ---- Live ------------------------------------------------------------------------------
let liveSource = null;

function startLive() {
  if (liveSource) return;
  const status = $("#live-status");
  if (!("EventSource" in window)) { setStatus(status, "This browser cannot receive live events.", true); return; }
  liveSource = new EventSource(`${API}/events/stream`);
  liveSource.onopen = () => setStatus(status, "Connected: waiting for camera events.");
  liveSource.onerror = () => {
    if (liveSource.readyState === EventSource.CLOSED) {
      setStatus(status, "Live events are not available on this server (no cameras, or no event stream).", true);
      liveSource = null;
    } else {
      setStatus(status, "Reconnecting…", true);
    }
  };
  const handle = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch { return; }
    const v = event.vehicle || event;
    const row = $("#live-events tbody").insertRow(0);
    cell(row, new Date().toLocaleTimeString());
    cell(row, event.source_id || event.camera_id || "");
    cell(row, event.kind || event.event || message.type);
    cell(row, v.plate_number || "", "plate");
    cell(row, pct(v.confidence));
    cell(row, v.vehicle_class || "");
    cell(row, v.direction || "");
    if (v.best_plate_image_path) row.cells[3].prepend(thumb(v.best_plate_image_path, v.best_vehicle_image_path));
    while ($("#live-events tbody").rows.length > 200) $("#live-events tbody").deleteRow(-1);
  };
  liveSource.onmessage = handle;
  for (const kind of ["NEW", "UPDATE", "FINAL"]) liveSource.addEventListener(kind, handle);
}

// ---- History ---------------------------------------------------------------------------
let historyCursor = "";

function historyParams() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData($("#history-form"))) {
    if (value === "") continue;
    params.set(key, key === "since" || key === "until" ? new Date(value).toISOString() : value);
  }
  if (!params.get("plate") || params.get("match") === "prefix") params.delete("max_distance");
  return params;
}

async function searchHistory(event, more = false) {
  if (event) event.preventDefault();
  const status = $("#history-status");
  const params = historyParams();
  $("#history-csv").href = `${API}/history/reads.csv?${params}`;
  params.set("limit", "50");
  if (more && historyCursor) params.set("cursor", historyCursor);
  setStatus(status, "Searching…");
  try {
    const data = await api(`/history/reads?${params}`);
    const body = $("#history-reads tbody");
    if (!more) body.replaceChildren();
    for (const r of data.reads) {
      const row = body.insertRow();
      row.className = "clickable";
      row.addEventListener("click", () => showEvidence(r.evidence_image_path || r.uploaded_image_path));
      cell(row, thumb(r.plate_image_path, r.evidence_image_path));
      cell(row, r.plate_number, "plate");
      cell(row, localTime(r.read_time));
      cell(row, r.camera_id || r.source);
      cell(row, pct(r.confidence));
      cell(row, r.plate_region_name || r.plate_region_code);
      cell(row, r.vehicle_class);
      cell(row, r.distance ? r.distance : "");
    }
    historyCursor = data.next_cursor || "";
    $("#history-more").hidden = !historyCursor;
    setStatus(status, `${body.rows.length} read(s)${historyCursor ? ", more available" : ""}`);
  } catch (error) {
    setStatus(status, `Failed: ${error.message}`, true);
  }
}

// ---- Watch list and alerts ---------------------------------------------------------------
async function loadWatchlist() {
  const status = $("#watch-status");
  try {
    const [watch, alerts] = await Promise.all([api("/watchlist"), api("/alerts?limit=100")]);
    const entries = $("#watch-entries tbody");
    entries.replaceChildren();
    for (const e of watch.entries) {
      const row = entries.insertRow();
      cell(row, e.plate_number, "plate");
      cell(row, e.match_distance);
      cell(row, e.label);
      cell(row, e.webhook_url);
      cell(row, localTime(e.created_at));
      const remove = document.createElement("button");
      remove.className = "link";
      remove.textContent = "delete";
      remove.addEventListener("click", async () => {
        try { await api(`/watchlist/${encodeURIComponent(e.entry_id)}`, { method: "DELETE" }); loadWatchlist(); }
        catch (error) { setStatus(status, `Failed: ${error.message}`, true); }
      });
      cell(row, remove);
    }
    const body = $("#alerts tbody");
    body.replaceChildren();
    for (const a of alerts.alerts) {
      const row = body.insertRow();
      cell(row, localTime(a.created_at));
      cell(row, a.plate_number, "plate");
      cell(row, a.entry_plate_number, "plate");
      cell(row, a.label);
      cell(row, a.camera_id);
      cell(row, a.distance);
      cell(row, a.delivery_status + (a.delivery_attempts ? ` (${a.delivery_attempts})` : ""));
      cell(row, a.read ? thumb(a.read.plate_image_path, a.read.evidence_image_path) : "");
    }
  } catch (error) {
    setStatus(status, `Failed: ${error.message}`, true);
  }
}

async function addEntry(event) {
  event.preventDefault();
  const status = $("#watch-status");
  const form = new FormData(event.target);
  const body = {
    plate_number: form.get("plate_number"), match_distance: Number(form.get("match_distance") || 0),
    label: form.get("label") || "", webhook_url: form.get("webhook_url") || "",
  };
  try {
    const entry = await api("/watchlist", { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify(body) });
    setStatus(status, `Added ${entry.plate_number}`);
    event.target.reset();
    loadWatchlist();
  } catch (error) {
    setStatus(status, `Failed: ${error.message}`, true);
  }
}

// ---- Pages -----------------------------------------------------------------------------
let alertTimer = null;

function route() {
  const page = (location.hash || "#upload").slice(1);
  for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== `page-${page}`;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.page === page);
  clearInterval(alertTimer);
  if (page === "live") startLive();
  if (page === "history") searchHistory();
  if (page === "watchlist") { loadWatchlist(); alertTimer = setInterval(loadWatchlist, 5000); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#upload-form").addEventListener("submit", upload);
  $("#history-form").addEventListener("submit", (e) => searchHistory(e));
  $("#history-more").addEventListener("click", () => searchHistory(null, true));
  $("#watch-form").addEventListener("submit", addEntry);
  window.addEventListener("hashchange", route);
  route();
});
