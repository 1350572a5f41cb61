// Generates every icon the installers and the tray need from the 1024 px source
// (assets/icons/icon-1024.png, rendered from icon.svg by render-icon-source.mjs) into dist/icons:
//   png/NxN.png     16 to 1024 px: Linux packages (electron-builder's icon folder) and the window
//   icon.ico        Windows installer and executable (PNG entries, 16 to 256 px)
//   icon.icns       macOS bundle (PNG entries, 16 to 1024 px)
//   tray/           tray icons: trayTemplate(@2x).png for the macOS menu bar (black + alpha, the
//                   system tints it), tray.ico for Windows, tray(@2x).png for Linux
// Plain Node (zlib) only, so the build needs no image tool.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes an 8-bit RGBA or RGB, non-interlaced PNG into { width, height, data: RGBA bytes }. */
export function decodePng(buffer) {
  if (!buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0, height = 0, colorType = 0;
  const idat = [];
  for (let at = 8; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const body = buffer.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colorType = body[9];
      if (body[8] !== 8 || (colorType !== 6 && colorType !== 2) || body[12] !== 0) {
        throw new Error('the icon source must be an 8-bit RGB(A), non-interlaced PNG');
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  if (channels === 4) return { width, height, data: pixels };
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels.copy(data, i * 4, i * 3, i * 3 + 3);
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, body) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** Encodes RGBA pixels as a PNG (filter 0 on every line; zlib does the rest). */
export function encodePng({ width, height, data }) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) data.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Scales an image down to size x size by averaging the source area behind each pixel, in
 * premultiplied alpha (so transparent pixels do not darken the edges).
 */
export function resize(image, size) {
  const { width, height, data } = image;
  const out = Buffer.alloc(size * size * 4);
  const sx = width / size, sy = height / size;
  for (let y = 0; y < size; y++) {
    const y0 = y * sy, y1 = (y + 1) * sy;
    for (let x = 0; x < size; x++) {
      const x0 = x * sx, x1 = (x + 1) * sx;
      let r = 0, g = 0, b = 0, a = 0, total = 0;
      for (let py = Math.floor(y0); py < Math.ceil(y1); py++) {
        const wy = Math.min(py + 1, y1) - Math.max(py, y0);
        for (let px = Math.floor(x0); px < Math.ceil(x1); px++) {
          const w = wy * (Math.min(px + 1, x1) - Math.max(px, x0));
          const i = (py * width + px) * 4;
          const alpha = data[i + 3] / 255;
          r += data[i] * alpha * w;
          g += data[i + 1] * alpha * w;
          b += data[i + 2] * alpha * w;
          a += alpha * w;
          total += w;
        }
      }
      const o = (y * size + x) * 4;
      out[o] = a > 0 ? Math.round(r / a) : 0;
      out[o + 1] = a > 0 ? Math.round(g / a) : 0;
      out[o + 2] = a > 0 ? Math.round(b / a) : 0;
      out[o + 3] = Math.round((a / total) * 255);
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * A macOS template image: black, with the bright parts of the icon (the compass rose and its
 * rings) as the shape; the dark tile becomes transparent. The menu bar tints it.
 */
export function toTemplate(image) {
  const data = Buffer.alloc(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = image.data.subarray(i, i + 4);
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    const shape = Math.min(1, Math.max(0, (luminance - 0.3) / 0.3));
    data[i + 3] = Math.round(shape * a);
  }
  return { ...image, data };
}

/** A Windows .ico holding PNG images (Windows Vista and later read PNG entries). */
export function makeIco(pngs) {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4);
    header.writeUInt16LE(32, e + 6);
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs.map((p) => p.png)]);
}

/** The .icns types that hold PNG data, by pixel size (Retina types share a size with the next one up). */
export const ICNS_TYPES = [
  ['icp4', 16], ['icp5', 32], ['ic11', 32], ['icp6', 64], ['ic12', 64], ['ic07', 128],
  ['ic08', 256], ['ic13', 256], ['ic09', 512], ['ic14', 512], ['ic10', 1024],
];

/** A macOS .icns holding PNG images. */
export function makeIcns(pngBySize) {
  const entries = ICNS_TYPES.map(([type, size]) => {
    const png = pngBySize.get(size);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

/** Sizes of the PNG set (Linux packages want 16 to 512; 1024 for the macOS Retina 512@2x). */
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** Writes every icon into `outDir` from the 1024 px source. */
export function makeIcons(sourceFile, outDir) {
  const source = decodePng(readFileSync(sourceFile));
  if (source.width !== 1024 || source.height !== 1024) throw new Error(`${sourceFile} must be 1024x1024, not ${source.width}x${source.height}`);
  const png = new Map(PNG_SIZES.map((size) => [size, encodePng(size === 1024 ? source : resize(source, size))]));
  mkdirSync(path.join(outDir, 'png'), { recursive: true });
  mkdirSync(path.join(outDir, 'tray'), { recursive: true });
  for (const [size, data] of png) writeFileSync(path.join(outDir, 'png', `${size}x${size}.png`), data);
  writeFileSync(path.join(outDir, 'icon.ico'), makeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: png.get(size) }))));
  writeFileSync(path.join(outDir, 'icon.icns'), makeIcns(png));
  const tray = (size) => encodePng(resize(source, size));
  const template = (size) => encodePng(toTemplate(resize(source, size)));
  writeFileSync(path.join(outDir, 'tray', 'trayTemplate.png'), template(16));
  writeFileSync(path.join(outDir, 'tray', 'trayTemplate@2x.png'), template(32));
  writeFileSync(path.join(outDir, 'tray', 'tray.png'), tray(24));
  writeFileSync(path.join(outDir, 'tray', 'tray@2x.png'), tray(48));
  writeFileSync(path.join(outDir, 'tray', 'tray.ico'), makeIco([16, 20, 24, 32, 40, 48].map((size) => ({ size, png: tray(size) }))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  makeIcons(path.join(root, 'assets/icons/icon-1024.png'), path.join(root, 'dist/icons'));
}
