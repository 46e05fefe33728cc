/**
 * Writes app/favicon.ico: a padlock on the app's accent blue, at 16, 32 and 48 pixels, each a PNG
 * inside one ICO container (Windows Vista and every current browser read PNG entries).
 * Dependency-free on purpose (node:zlib only), so the icon can be redrawn anywhere:
 *   node scripts/make-favicon.mjs
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ACCENT = [0x2f, 0x5b, 0xd3];
const WHITE = [0xff, 0xff, 0xff];
const SIZES = [16, 32, 48];
const SUPERSAMPLE = 4;

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

/** Inside a rectangle with rounded corners (all coordinates as fractions of the icon's side). */
function inRoundedRect(x, y, left, top, right, bottom, radius) {
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** What colour a point of the icon is: transparent, blue background, or white padlock. */
function sample(x, y) {
  if (!inRoundedRect(x, y, 0, 0, 1, 1, 0.22)) return null;
  const bodyTop = 0.46;
  // Keyhole: a round top and a short slot, in the background colour.
  const keyhole = (x - 0.5) ** 2 + (y - 0.6) ** 2 <= 0.065 ** 2 || (Math.abs(x - 0.5) <= 0.03 && y >= 0.6 && y <= 0.72);
  if (inRoundedRect(x, y, 0.24, bodyTop, 0.76, 0.82, 0.07)) return keyhole ? ACCENT : WHITE;
  // Shackle: half a ring above its centre, straight legs below it down to the body.
  const cx = 0.5;
  const cy = 0.38;
  const outer = 0.19;
  const inner = 0.11;
  const d = Math.hypot(x - cx, y - cy);
  const onRing = y <= cy ? d >= inner && d <= outer : Math.abs(x - cx) >= inner && Math.abs(x - cx) <= outer && y < bodyTop;
  return onRing ? WHITE : ACCENT;
}

function png(size) {
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const colour = sample((px + (sx + 0.5) / SUPERSAMPLE) / size, (py + (sy + 0.5) / SUPERSAMPLE) / size);
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const o = 1 + px * 4;
      row[o] = a ? Math.round(r / a) : 0;
      row[o + 1] = a ? Math.round(g / a) : 0;
      row[o + 2] = a ? Math.round(b / a) : 0;
      row[o + 3] = Math.round((a / SUPERSAMPLE ** 2) * 255);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map(({ data }) => data)]);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'app', 'favicon.ico');
const icon = ico(SIZES.map((size) => ({ size, data: png(size) })));
writeFileSync(target, icon);
// A 256-pixel PNG of the same drawing, to look at: node scripts/make-favicon.mjs --preview (not committed)
if (process.argv.includes('--preview')) writeFileSync(path.join(root, 'favicon-preview.png'), png(256));
process.stdout.write(`wrote ${path.relative(root, target)} (${icon.length} bytes)\n`);
