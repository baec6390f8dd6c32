/**
 * The cloudfits page: open a FITS file by URL (`index.html?url=URL`, relative URLs against the page) or
 * from disk, list its HDUs and headers, pan and zoom over an image reading only the tiles on screen,
 * and plot a cube pixel's light curve — counting the requests actually sent.
 *
 * What the page shows is also in the global `cloudfitsPage` ({@linkcode PageState}), for tests and
 * scripts, and `document.body.dataset.state` is `loading`, `ready` or `error`.
 *
 * URL parameters: `url`; `hdu` (number); `frame` (index along the time axis); `pixel=x,y` (0-based,
 * the light curve to plot); `scale` (screen pixels per image pixel) with `center=x,y` (the image point
 * at the canvas's centre); `tile` (samples per tile side, default 256); `gap` (the planner's request
 * cost in bytes: ranges closer than this share one request; the library's 32 KiB by default).
 *
 * @module
 */
import {
  type ByteSource,
  type CountingSource,
  countingSource,
  type FitsFile,
  type Hdu,
  type HduHandle,
  isCloudFitsError,
  openFits,
  openSource,
  type SectionSpec,
  VERSION,
  withRetry,
} from "../mod.ts";
import { hduShape } from "../src/json.ts";
import { zscaleLimits } from "../src/png.ts";
import { blobSource } from "./blob_source.ts";
import { plotLightCurve } from "./plot.ts";
import { tileBitmap, visibleSamples } from "./tiles.ts";
import {
  type AxisRoles,
  axisRoles,
  DEFAULT_TILE,
  fitView,
  pictureSection,
  sectionByAxis,
  type Tile,
  type ViewState,
  visibleTiles,
  zoomView,
} from "./view.ts";

/** What the page shows, as `globalThis.cloudfitsPage`. NaN values are `null`. */
export interface PageState {
  /** `loading` while any read is under way. */
  state: "idle" | "loading" | "ready" | "error";
  /** The file shown (a URL as typed, or a local file's name). */
  source: string | undefined;
  /** The HDU list: number, type, EXTNAME, BITPIX and NAXISn in FITS order. */
  hdus: { index: number; type: string; extname: string | null; bitpix: number; axes: number[] }[];
  /** The HDU selected. */
  hdu: number | undefined;
  /** Its header cards, 64-bit integers as strings. */
  cards: { keyword: string; value: unknown; comment: string }[];
  /** The picture on the canvas: the visible pixels as a numpy-order section, their shape and values. */
  view:
    | {
      scale: number;
      step: number;
      section: SectionSpec;
      shape: number[];
      values: (number | null)[];
      /** Values drawn black and white (zscale of the first tiles shown); NaN is transparent. */
      limits: [number, number];
      /** Canvas position of the visible section's first pixel's lower-left corner (x from left, y from top). */
      origin: [number, number];
    }
    | undefined;
  /** Every tile section read so far, in order, with the requests its plan said it needs. */
  tiles: { section: SectionSpec; requests: number }[];
  /** The light curve plotted: pixel (0-based x, y), section and values. */
  lightCurve: { pixel: [number, number]; section: SectionSpec; values: (number | null)[] } | undefined;
  /** Requests sent (every attempt), bytes received, and the requests the plans said (header walk included). */
  requests: number;
  bytes: number;
  planned: number;
  /** The failure shown, with its cloudfits error code. */
  error: { code: string | undefined; message: string } | undefined;
}

const page: PageState = {
  state: "idle",
  source: undefined,
  hdus: [],
  hdu: undefined,
  cards: [],
  view: undefined,
  tiles: [],
  lightCurve: undefined,
  requests: 0,
  bytes: 0,
  planned: 0,
  error: undefined,
};
(globalThis as { cloudfitsPage?: PageState }).cloudfitsPage = page;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>("open");
const urlInput = element<HTMLInputElement>("url");
const fileInput = element<HTMLInputElement>("file");
const status = element<HTMLElement>("status");
const traffic = element<HTMLElement>("traffic");
const hduTable = element<HTMLTableSectionElement>("hdus");
const cardTable = element<HTMLTableSectionElement>("cards");
const canvas = element<HTMLCanvasElement>("image");
const caption = element<HTMLElement>("caption");
const frameInput = element<HTMLInputElement>("frame");
const curve = element<HTMLCanvasElement>("curve");
element<HTMLElement>("version").textContent = `cloudfits ${VERSION}`;

const params = new URLSearchParams(location.search);
const tileSize = Number(params.get("tile")) || DEFAULT_TILE;
// The planner's request cost: ranges closer than this share a request (the library's 32 KiB by default).
const gap = Number(params.get("gap"));
const readSettings = Number.isInteger(gap) && gap >= 0 && params.has("gap") ? { maxGap: gap } : {};

let fits: FitsFile | undefined;
let counted: CountingSource | undefined;
let busy = 0;
/** The picture of the selected HDU. */
let picture:
  | {
    hdu: HduHandle;
    roles: AxisRoles;
    nx: number;
    ny: number;
    frame: number;
    view: ViewState;
    limits?: [number, number];
    tiles: Map<string, { tile: Tile; data?: Float64Array; bitmap?: HTMLCanvasElement }>;
  }
  | undefined;

function show(): void {
  const stats = counted?.stats;
  page.requests = stats?.requests ?? 0;
  page.bytes = stats?.bytes ?? 0;
  page.state = page.error ? "error" : busy > 0 ? "loading" : fits ? "ready" : "idle";
  document.body.dataset.state = page.state;
  const plural = page.requests === 1 ? "request" : "requests";
  traffic.textContent =
    `${page.requests} ${plural} sent (${page.planned} planned), ${page.bytes.toLocaleString()} bytes`;
  status.textContent = page.error ? page.error.message : busy > 0 ? "reading…" : "";
  status.classList.toggle("error", page.error !== undefined);
}

async function track<T>(work: Promise<T>): Promise<T | undefined> {
  busy++;
  show();
  try {
    return await work;
  } catch (error) {
    page.error = {
      code: isCloudFitsError(error) ? error.code : undefined,
      message: error instanceof Error ? error.message : String(error),
    };
    return undefined;
  } finally {
    busy--;
    show();
  }
}

/** Open a file: count every request reaching the source, retrying what is worth retrying. */
async function open(name: string, makeSource: () => Promise<ByteSource>): Promise<void> {
  await fits?.close();
  fits = undefined;
  picture = undefined;
  Object.assign(page, { source: name, hdus: [], hdu: undefined, cards: [], view: undefined, tiles: [] });
  Object.assign(page, { lightCurve: undefined, planned: 0, error: undefined });
  hduTable.replaceChildren();
  cardTable.replaceChildren();
  canvas.getContext("2d")!.clearRect(0, 0, canvas.width, canvas.height);
  curve.getContext("2d")!.clearRect(0, 0, curve.width, curve.height);
  counted = undefined;
  const opened = await track((async () => {
    counted = countingSource(await makeSource());
    return openFits(withRetry(counted));
  })());
  if (!opened) return;
  fits = opened;
  page.planned = counted!.stats.requests;
  page.hdus = fits.hdus.map((hdu) => ({
    index: hdu.index,
    type: hdu.type,
    extname: hdu.extname,
    bitpix: hdu.bitpix,
    axes: [...hduShape(hdu)].reverse(),
  }));
  for (const hdu of page.hdus) {
    const row = hduTable.insertRow();
    row.dataset.hdu = String(hdu.index);
    for (const text of [hdu.index, hdu.extname ?? "", hdu.type, hdu.bitpix, hdu.axes.join(" × ")]) {
      row.insertCell().textContent = String(text);
    }
    row.addEventListener("click", () => selectHdu(hdu.index));
  }
  const wanted = Number(params.get("hdu") ?? NaN);
  const first = fits.hdus.find((hdu) => pictureRoles(hdu) !== undefined)?.index ?? 0;
  await selectHdu(Number.isInteger(wanted) && wanted < fits.hdus.length ? wanted : first);
}

function pictureRoles(hdu: Hdu): AxisRoles | undefined {
  const imaging = hdu.type === "PRIMARY" || hdu.type === "IMAGE" || hdu.type === "COMPRESSED_IMAGE";
  return imaging ? axisRoles([...hduShape(hdu)].reverse()) : undefined;
}

async function selectHdu(index: number): Promise<void> {
  if (!fits) return;
  const hdu = fits.hdus[index];
  page.hdu = index;
  page.cards = hdu.header.toJSON().cards;
  for (const row of hduTable.rows) row.classList.toggle("selected", row.dataset.hdu === String(index));
  cardTable.replaceChildren();
  for (const card of page.cards) {
    const row = cardTable.insertRow();
    for (const text of [card.keyword, card.value === null ? "" : JSON.stringify(card.value), card.comment]) {
      row.insertCell().textContent = text;
    }
  }
  const roles = pictureRoles(hdu);
  picture = undefined;
  page.view = undefined;
  canvas.getContext("2d")!.clearRect(0, 0, canvas.width, canvas.height);
  frameInput.hidden = roles?.time === undefined;
  if (!roles) {
    caption.textContent = hdu.type === "BINTABLE" || hdu.type === "TABLE"
      ? "a table: no picture"
      : "no picture";
    return show();
  }
  const nx = roles.axes[roles.x - 1];
  const ny = roles.axes[roles.y - 1];
  const frames = roles.time === undefined ? 1 : roles.axes[roles.time - 1];
  const frame = Math.min(frames - 1, Math.max(0, Number(params.get("frame")) || 0));
  frameInput.max = String(frames - 1);
  frameInput.value = String(frame);
  const scale = Number(params.get("scale"));
  const [cx, cy] = (params.get("center") ?? "").split(",").map(Number);
  const view = scale > 0 && Number.isFinite(cx) && Number.isFinite(cy)
    ? { scale, left: cx - canvas.width / 2 / scale, bottom: cy - canvas.height / 2 / scale }
    : fitView(canvas.width, canvas.height, nx, ny);
  picture = { hdu: fits.hdu(index), roles, nx, ny, frame, view, tiles: new Map() };
  await draw();
  const pixel = params.get("pixel")?.split(",").map(Number);
  if (pixel?.length === 2 && pixel.every(Number.isInteger)) await lightCurve(pixel[0], pixel[1]);
}

/** Draw the tiles on screen, reading those not yet read; resolves once all are drawn. */
async function draw(): Promise<void> {
  const shown = picture;
  if (!shown) return;
  const { step, tiles, visible } = visibleTiles(
    shown.view,
    canvas.width,
    canvas.height,
    shown.nx,
    shown.ny,
    tileSize,
  );
  const missing = tiles.filter((tile) => !shown.tiles.has(`${shown.frame}:${tile.key}`));
  const reads = missing.map((tile) => {
    const entry: { tile: Tile; data?: Float64Array } = { tile };
    shown.tiles.set(`${shown.frame}:${tile.key}`, entry);
    const section = tileSection(shown, tile);
    const requests = shown.hdu.plan(section, readSettings).requests;
    page.tiles.push({ section, requests });
    page.planned += requests;
    return shown.hdu.section(section, readSettings).then((array) => {
      entry.data = Float64Array.from(array.data as ArrayLike<number>, Number);
    });
  });
  // Once read, paint the view as it is then (a drag may have moved it meanwhile).
  if (reads.length > 0) {
    await track(Promise.all(reads));
    return draw();
  }
  if (picture !== shown) return;
  const entries = tiles.map((tile) => shown.tiles.get(`${shown.frame}:${tile.key}`)!);
  if (shown.limits === undefined) {
    shown.limits = zscaleLimits(entries.flatMap((entry) => entry.data ? [...entry.data] : []));
  }
  const context = canvas.getContext("2d")!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingEnabled = false;
  const { left, bottom, scale } = shown.view;
  for (const entry of entries) {
    if (!entry.data) continue;
    const bitmap = entry.bitmap ??= tileBitmap(entry.tile, entry.data, shown.limits);
    const x = (entry.tile.x0 - left) * scale;
    const top = canvas.height - (entry.tile.y0 + bitmap.height * step - bottom) * scale;
    context.drawImage(bitmap, x, top, bitmap.width * step * scale, bitmap.height * step * scale);
  }
  const marked = page.lightCurve?.pixel;
  if (marked) {
    // Outline the pixel whose light curve is plotted.
    context.strokeStyle = "#ff5252";
    context.strokeRect(
      (marked[0] - left) * scale,
      canvas.height - (marked[1] + 1 - bottom) * scale,
      scale,
      scale,
    );
  }
  page.view = visibleValues(shown, step, visible, entries);
  caption.textContent = `${shown.nx} × ${shown.ny} px, scale ${scale >= 1 ? scale : `1/${1 / scale}`}` +
    (shown.roles.time === undefined ? "" : `, frame ${shown.frame} (NAXIS${shown.roles.time})`) +
    " — drag to pan, wheel to zoom, click a pixel for its light curve";
  show();
}

function tileSection(shown: NonNullable<typeof picture>, tile: Tile): SectionSpec {
  return pictureSection(shown.roles, shown.frame, [tile.x0, tile.x1, tile.step], [
    tile.y0,
    tile.y1,
    tile.step,
  ]);
}

/** The visible pixels (at the view's step) as a numpy-order section and its values, from the tiles. */
function visibleValues(
  shown: NonNullable<typeof picture>,
  step: number,
  visible: { x0: number; x1: number; y0: number; y1: number },
  entries: { tile: Tile; data?: Float64Array }[],
): PageState["view"] {
  const { values, shape } = visibleSamples(step, visible, entries);
  const section = pictureSection(shown.roles, shown.frame, [visible.x0, visible.x1, step], [
    visible.y0,
    visible.y1,
    step,
  ]);
  const { left, bottom, scale } = shown.view;
  const origin: [number, number] = [
    (visible.x0 - left) * scale,
    canvas.height - (visible.y0 - bottom) * scale,
  ];
  return { scale, step, section, shape, values, limits: shown.limits!, origin };
}

async function lightCurve(x: number, y: number): Promise<void> {
  const shown = picture;
  const time = shown?.roles.time;
  if (!shown || time === undefined || x < 0 || y < 0 || x >= shown.nx || y >= shown.ny) return;
  const { roles } = shown;
  const section = sectionByAxis(roles.axes.length, { [roles.x]: x, [roles.y]: y, [time]: null });
  page.planned += shown.hdu.plan(section, readSettings).requests;
  const array = await track(shown.hdu.section(section, readSettings));
  if (!array || picture !== shown) return;
  const values = Array.from(array.data as ArrayLike<number>, Number);
  page.lightCurve = { pixel: [x, y], section, values: values.map((v) => Number.isNaN(v) ? null : v) };
  plotLightCurve(curve, values, `light curve of pixel x = ${x + 1}, y = ${y + 1} (FITS, 1-based)`);
  await draw();
}

// Pan by dragging, zoom with the wheel, click a pixel for its light curve.
let drag: { x: number; y: number; moved: boolean } | undefined;
canvas.addEventListener("pointerdown", (event) => {
  drag = { x: event.offsetX, y: event.offsetY, moved: false };
  canvas.setPointerCapture(event.pointerId);
});
canvas.addEventListener("pointermove", (event) => {
  if (!drag || !picture) return;
  const dx = event.offsetX - drag.x;
  const dy = event.offsetY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 3) return;
  drag = { x: event.offsetX, y: event.offsetY, moved: true };
  const { view } = picture;
  picture.view = { ...view, left: view.left - dx / view.scale, bottom: view.bottom + dy / view.scale };
  draw();
});
canvas.addEventListener("pointerup", (event) => {
  if (drag && !drag.moved && picture) {
    const { view } = picture;
    const x = Math.floor(view.left + event.offsetX / view.scale);
    const y = Math.floor(view.bottom + (canvas.height - event.offsetY) / view.scale);
    lightCurve(x, y);
  }
  drag = undefined;
});
canvas.addEventListener("wheel", (event) => {
  if (!picture) return;
  event.preventDefault();
  const factor = event.deltaY < 0 ? 2 : 0.5;
  picture.view = zoomView(picture.view, factor, event.offsetX, canvas.height - event.offsetY);
  draw();
}, { passive: false });
for (const [id, factor] of [["zoom-in", 2], ["zoom-out", 0.5]] as const) {
  element<HTMLButtonElement>(id).addEventListener("click", () => {
    if (!picture) return;
    picture.view = zoomView(picture.view, factor, canvas.width / 2, canvas.height / 2);
    draw();
  });
}
frameInput.addEventListener("input", () => {
  if (!picture) return;
  picture.frame = Number(frameInput.value);
  draw();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = urlInput.value.trim();
  if (url === "") return;
  params.set("url", url);
  history.replaceState(null, "", `?${params}`);
  open(url, () => openSource(url, { retries: 0 }));
});
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file) open(file.name, () => Promise.resolve(blobSource(file, file.name)));
});

const initial = params.get("url");
if (initial) {
  urlInput.value = initial;
  open(initial, () => openSource(initial, { retries: 0 }));
} else show();
