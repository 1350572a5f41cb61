import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { decodePng, encodePng, ICNS_TYPES, makeIcons, PNG_SIZES, resize, toTemplate } from '../../../scripts/make-icons.mjs';

type Image = { width: number; height: number; data: Buffer };
let out: string;

/** The PNG entries of an .ico: [width byte, offset, length]. */
function icoEntries(ico: Buffer): { size: number; png: Buffer }[] {
  const count = ico.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const e = 6 + 16 * i;
    return { size: ico[e] || 256, png: ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8)) };
  });
}

describe('icon build (scripts/make-icons.mjs)', () => {
  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'portolan-icons-'));
    makeIcons(path.resolve('assets/icons/icon-1024.png'), out);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('starts from a 1024 px source and writes every PNG size', () => {
    const source: Image = decodePng(readFileSync('assets/icons/icon-1024.png'));
    expect([source.width, source.height]).toEqual([1024, 1024]);
    for (const size of PNG_SIZES) {
      const image: Image = decodePng(readFileSync(path.join(out, 'png', `${size}x${size}.png`)));
      expect([image.width, image.height], String(size)).toEqual([size, size]);
    }
  });

  it('round-trips pixels through encode and decode, and averages them when scaling down', () => {
    const data = Buffer.from([255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255]);
    const image = { width: 2, height: 2, data };
    expect(decodePng(encodePng(image)).data).toEqual(data);
    // Transparent pixels do not darken: 3 opaque pixels (1 red, 2 blue) and one clear one.
    expect([...resize(image, 1).data]).toEqual([85, 0, 170, 191]);
  });

  it('macOS template: black, shaped by the bright parts, clear on the dark tile', () => {
    const tpl: Image = decodePng(readFileSync(path.join(out, 'tray', 'trayTemplate@2x.png')));
    expect([tpl.width, tpl.height]).toEqual([32, 32]);
    const alphas = [...Array(32 * 32).keys()].map((i) => tpl.data[i * 4 + 3]!);
    for (let i = 0; i < 32 * 32; i++) expect(tpl.data.subarray(i * 4, i * 4 + 3)).toEqual(Buffer.from([0, 0, 0]));
    expect(alphas.filter((a) => a > 200).length).toBeGreaterThan(20);
    expect(alphas.filter((a) => a === 0).length).toBeGreaterThan(400);
    expect(toTemplate({ width: 1, height: 1, data: Buffer.from([18, 50, 79, 255]) }).data[3]).toBe(0);
    expect(decodePng(readFileSync(path.join(out, 'tray', 'trayTemplate.png'))).width).toBe(16);
  });

  it('Windows .ico files hold PNGs of the sizes they name', () => {
    for (const [file, sizes] of [['icon.ico', [16, 24, 32, 48, 64, 128, 256]], ['tray/tray.ico', [16, 20, 24, 32, 40, 48]]] as const) {
      const entries = icoEntries(readFileSync(path.join(out, file)));
      expect(entries.map((e) => e.size), file).toEqual(sizes);
      for (const e of entries) expect(decodePng(e.png).width, `${file} ${e.size}`).toBe(e.size);
    }
  });

  it('the macOS .icns holds a PNG per type, 16 to 1024 px', () => {
    const icns = readFileSync(path.join(out, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const found: [string, number][] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      found.push([icns.toString('latin1', at, at + 4), decodePng(icns.subarray(at + 8, at + icns.readUInt32BE(at + 4))).width]);
    }
    expect(found).toEqual(ICNS_TYPES);
  });
});
