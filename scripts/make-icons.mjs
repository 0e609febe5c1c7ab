// Draws the app's icons into electron/assets: simple shapes, rasterised with 4×4 supersampling,
// written with a small PNG encoder (zlib + CRC-32) and wrapped in .ico / .icns containers.
// The outputs are small and committed; run `node scripts/make-icons.mjs` after changing a shape.
//
//   tray-<state>Template.png, tray-<state>Template@2x.png   macOS menu bar (black + alpha, 16 / 32 px)
//   tray-<state>.png                                       Linux tray (colour, 32 px)
//   tray-<state>.ico                                       Windows notification area (16, 20, 24, 32 px)
//   icon.png (512), icon.ico (16…256), icon.icns (16…1024) the application icon
//
// Each state has its own shape, so the template images (one colour) still tell the states apart:
// online = filled disc, local = ring with a dot, reconnecting = ring with its left half filled,
// error = ring with a cross, stopped = thin ring.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'electron', 'assets');

// ---------- PNG ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** rgba: Uint8Array of width*height*4. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  // compression, filter, interlace: 0
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Windows .ico holding PNG images (Windows Vista and later read PNG entries). */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry[2] = 0; // palette colours
    entry[3] = 0;
    entry.writeUInt16LE(1, 4); // planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((image) => image.png)]);
}

const ICNS_TYPES = {
  16: 'icp4',
  32: 'icp5',
  64: 'icp6',
  128: 'ic07',
  256: 'ic08',
  512: 'ic09',
  1024: 'ic10',
};

/** A macOS .icns of PNG entries. */
export function encodeIcns(images) {
  const parts = images.map(({ size, png }) => {
    const head = Buffer.alloc(8);
    head.write(ICNS_TYPES[size], 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((sum, part) => sum + part.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

// ---------- shapes (unit square, y down) ----------

const disc = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r, width) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r && d >= r - width;
};
const segment = (x1, y1, x2, y2, width) => (x, y) => {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) <= width / 2;
};
const roundedSquare = (inset, radius) => (x, y) => {
  const lo = inset + radius;
  const hi = 1 - inset - radius;
  const qx = Math.max(lo - x, 0, x - hi);
  const qy = Math.max(lo - y, 0, y - hi);
  return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && qx * qx + qy * qy <= radius * radius;
};
const union =
  (...shapes) =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));
const minus = (shape, hole) => (x, y) => shape(x, y) && !hole(x, y);
const and = (a, b) => (x, y) => a(x, y) && b(x, y);

const C = 0.5;
const R = 0.44;
const TRAY_SHAPES = {
  online: disc(C, C, R),
  local: union(ring(C, C, R, 0.14), disc(C, C, 0.13)),
  reconnecting: union(
    ring(C, C, R, 0.14),
    and(disc(C, C, R), (x) => x <= C),
  ),
  error: union(
    ring(C, C, R, 0.14),
    segment(0.33, 0.33, 0.67, 0.67, 0.13),
    segment(0.67, 0.33, 0.33, 0.67, 0.13),
  ),
  stopped: ring(C, C, R, 0.09),
};

const TRAY_COLOURS = {
  online: [46, 157, 79],
  local: [47, 111, 214],
  reconnecting: [224, 160, 0],
  error: [210, 60, 60],
  stopped: [128, 128, 128],
};

/** Layers drawn in order, each a shape and a colour [r, g, b, a]. */
function render(size, layers, samples = 4) {
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (const [shape, [lr, lg, lb, la = 255]] of layers) {
        let hits = 0;
        for (let sy = 0; sy < samples; sy++) {
          for (let sx = 0; sx < samples; sx++) {
            if (shape((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
          }
        }
        const alpha = ((hits / (samples * samples)) * la) / 255;
        // "over" compositing, premultiplied
        r = lr * alpha + r * (1 - alpha);
        g = lg * alpha + g * (1 - alpha);
        b = lb * alpha + b * (1 - alpha);
        a = alpha + a * (1 - alpha);
      }
      const i = (py * size + px) * 4;
      rgba[i] = a > 0 ? Math.round(r / a) : 0;
      rgba[i + 1] = a > 0 ? Math.round(g / a) : 0;
      rgba[i + 2] = a > 0 ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  return encodePng(size, size, rgba);
}

// The application icon: a dark blue tile, a white disc and its fainter reflection across a mirror line.
const APP_LAYERS = [
  [roundedSquare(0.04, 0.2), [31, 59, 115]],
  [segment(0.5, 0.16, 0.5, 0.84, 0.035), [255, 255, 255, 200]],
  [disc(0.29, 0.5, 0.16), [255, 255, 255]],
  [minus(disc(0.71, 0.5, 0.16), disc(0.71, 0.5, 0.105)), [255, 255, 255, 150]],
];

export function makeIcons(out = OUT) {
  mkdirSync(out, { recursive: true });
  const written = [];
  const write = (name, bytes) => {
    writeFileSync(join(out, name), bytes);
    written.push({ name, bytes: bytes.length });
  };
  for (const [state, shape] of Object.entries(TRAY_SHAPES)) {
    const black = [[shape, [0, 0, 0]]];
    const colour = [[shape, TRAY_COLOURS[state]]];
    write(`tray-${state}Template.png`, render(16, black));
    write(`tray-${state}Template@2x.png`, render(32, black));
    write(`tray-${state}.png`, render(32, colour));
    write(
      `tray-${state}.ico`,
      encodeIco([16, 20, 24, 32].map((size) => ({ size, png: render(size, colour) }))),
    );
  }
  write('icon.png', render(512, APP_LAYERS, 2));
  write(
    'icon.ico',
    encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: render(size, APP_LAYERS) }))),
  );
  write(
    'icon.icns',
    encodeIcns([16, 32, 64, 128, 256, 512, 1024].map((size) => ({ size, png: render(size, APP_LAYERS, 2) }))),
  );
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = makeIcons();
  const total = written.reduce((sum, file) => sum + file.bytes, 0);
  console.log(`wrote ${written.length} icons to ${OUT} (${Math.round(total / 1024)} KiB)`);
}
