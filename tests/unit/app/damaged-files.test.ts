/**
 * Every file Portolan owns, in every way it can be found damaged or unreadable: nothing the user
 * saved is lost. A damaged file is kept aside byte for byte (moved, or copied when its valid
 * entries still load) and reported; a file that exists but cannot be read is never written over,
 * and saving says what to do. EACCES is injected through the fs layer (tests run as root, and
 * root reads a chmod 000 file); EISDIR is real (a folder where the file should be).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { savedScan } from '../../helpers/scan.js';

/** Paths whose reads fail, with the errno code to fail with. */
const failReads = vi.hoisted(() => new Map<string, string>());
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (file: Parameters<typeof real.readFile>[0], ...rest: unknown[]) => {
    const code = failReads.get(String(file));
    if (code) throw Object.assign(new Error(`${code}: permission denied, open '${String(file)}'`), { code, errno: -13, syscall: 'open', path: String(file) });
    return (real.readFile as (...a: unknown[]) => Promise<unknown>)(file, ...rest);
  }) as typeof real.readFile;
  return { ...real, readFile, default: { ...real, readFile } };
});

const { ProblemLog } = await import('../../../src-main/app/problem-log.js');
const { SettingsStore } = await import('../../../src-main/app/settings-store.js');
const { ForwardsStore } = await import('../../../src-main/app/forwards-store.js');
const { KnockService } = await import('../../../src-main/app/knock-service.js');
const { RouterService } = await import('../../../src-main/app/router-service.js');
const { EventBus } = await import('../../../src-main/app/event-bus.js');
const { EncryptedFileSecretStore } = await import('../../../src-main/app/secret-file-store.js');
const { ProfileStore, ScanStore } = await import('../../../src-main/app/scan-store.js');
const { ExposureService } = await import('../../../src-main/app/exposure-service.js');
type ProblemLogT = InstanceType<typeof ProblemLog>;

/** One store, opened on a data folder: load it, change something and save. */
interface Opened {
  load(): Promise<unknown>;
  save(): Promise<unknown>;
  /** After load: does the valid entry of the "invalid entry" file show? */
  hasGoodEntry?(): Promise<boolean>;
}

interface StoreCase {
  name: string;
  /** The file, relative to the data folder. */
  file: string;
  /** A valid file, and one with one good and one invalid entry. */
  valid: string;
  invalidEntry: string;
  /** True when an invalid entry makes the whole file damaged (moved aside) rather than left out. */
  invalidEntryIsWholeFile?: boolean;
  open(dir: string, problems: ProblemLogT): Opened;
}

const codec = { encrypt: (s: string) => Buffer.from(s).reverse(), decrypt: (b: Buffer) => Buffer.from(b).reverse().toString() };
const tcpSpec = { kind: 'tcp', name: 'web', listenHost: '127.0.0.1', listenPort: 8080, targetHost: '127.0.0.1', targetPort: 80, startWithApp: false };
const profile = { id: 'K1', name: 'office', host: '127.0.0.1', steps: [{ port: 7000, protocol: 'tcp' }], delayMs: 100 };
const mapping = {
  gateway: '127.0.0.1',
  protocol: 'tcp',
  externalPort: 8080,
  requestedExternalPort: 8080,
  internalHost: '127.0.0.1',
  internalPort: 8080,
  leaseSeconds: 0,
  grantedLease: 0,
  description: 'test',
  via: 'natpmp',
  removeOnQuit: false,
  state: 'active',
};
/** A finished scan of one closed port (the shape of ScanResults). */
const scan = (id: string) => savedScan(id);
const json = (v: unknown) => JSON.stringify(v, null, 2);

const STORES: StoreCase[] = [
  {
    name: 'settings.json',
    file: 'settings.json',
    valid: json({ theme: 'dark', filters: { sockets: 'ssh' }, lastView: 'scan', listenerBaseline: [], listenerAlerts: false }),
    invalidEntry: json({ theme: 'purple', filters: { sockets: 'ssh' } }),
    invalidEntryIsWholeFile: true,
    open(dir, problems) {
      const store = new SettingsStore(path.join(dir, this.file));
      store.data.reportTo(problems);
      return { load: () => store.load(), save: () => store.update({ theme: 'light' }) };
    },
  },
  {
    name: 'forwards.json',
    file: 'forwards.json',
    valid: json({ version: 1, forwards: [{ id: 'f-good', spec: tcpSpec }] }),
    invalidEntry: json({ version: 1, forwards: [{ id: 'f-good', spec: tcpSpec }, { id: 'f-bad', spec: { ...tcpSpec, name: 'bad', targetPort: 70000 } }] }),
    open(dir, problems) {
      const store = new ForwardsStore(path.join(dir, this.file));
      store.data.reportTo(problems);
      let loaded: { id: string }[] = [];
      return {
        load: async () => (loaded = await store.load()),
        save: () => store.save(() => loaded as never),
        hasGoodEntry: async () => loaded.some((f) => f.id === 'f-good'),
      };
    },
  },
  {
    name: 'knock.json',
    file: 'knock.json',
    valid: json({ profiles: [profile], guards: [] }),
    invalidEntry: json({ profiles: [profile, { ...profile, id: 'K2', steps: [{ port: 70000 }] }], guards: [] }),
    open(dir, problems) {
      const service = new KnockService(new EventBus(), { file: path.join(dir, this.file), listeners: {} as never });
      service.data.reportTo(problems);
      return {
        load: () => service.load(),
        save: () => service.handlers['knock.profiles.save']({ name: 'new', host: '127.0.0.1', steps: [{ port: 7001, protocol: 'udp' }], delayMs: 100 }),
        hasGoodEntry: async () => (await service.handlers['knock.profiles.list']({})).some((p) => p.id === 'K1'),
      };
    },
  },
  {
    name: 'router-mappings.json',
    file: 'router-mappings.json',
    valid: json({ mappings: [mapping] }),
    invalidEntry: json({ mappings: [mapping, { ...mapping, externalPort: 'eighty' }] }),
    open(dir, problems) {
      const service = new RouterService(new EventBus(), { file: path.join(dir, this.file), keepAlive: false, problems });
      let loaded: unknown[] = [];
      return {
        load: async () => (loaded = await service.readFile()),
        // The service saves on the engine's changes, through this same file object.
        save: () => service.data.save(() => json({ mappings: loaded })),
        hasGoodEntry: async () => loaded.length === 1,
      };
    },
  },
  {
    name: 'forward-secrets.json',
    file: 'forward-secrets.json',
    valid: json({ 'f-good': codec.encrypt(JSON.stringify({ password: 'pw' })).toString('base64') }),
    invalidEntry: json({ 'f-good': codec.encrypt(JSON.stringify({ password: 'pw' })).toString('base64'), 'f-bad': 42 }),
    open(dir, problems) {
      const store = new EncryptedFileSecretStore(path.join(dir, this.file), codec);
      store.reportTo(problems);
      return {
        load: () => store.load(),
        save: () => store.set('f-new', { password: 'new' }),
        hasGoodEntry: async () => (await store.get('f-good'))?.password === 'pw',
      };
    },
  },
  {
    name: 'scan-profiles.json',
    file: 'scan-profiles.json',
    valid: json([{ name: 'web', targets: '127.0.0.1', ports: '80', protocol: 'tcp', serviceDetection: false, timing: 4 }]),
    invalidEntry: json([{ name: 'web', targets: '127.0.0.1', ports: '80' }, { name: '', ports: 5 }]),
    invalidEntryIsWholeFile: true,
    open(dir, problems) {
      const store = new ProfileStore(path.join(dir, this.file), problems);
      return { load: () => store.list(), save: () => store.save({ name: 'new', targets: '', ports: '22', protocol: 'tcp', serviceDetection: false, timing: 4 }) };
    },
  },
  {
    name: 'a saved scan (scans/<id>.json)',
    file: 'scans/s-1.json',
    valid: JSON.stringify(scan('s-1')),
    invalidEntry: JSON.stringify({ ...scan('s-1'), results: [{ port: 'twenty-two' }] }),
    invalidEntryIsWholeFile: true,
    open(dir, problems) {
      const store = new ScanStore(path.join(dir, 'scans'), 200, problems);
      return { load: () => store.list(), save: () => store.save(scan('s-2') as never) };
    },
  },
  {
    name: 'exposure-baseline.json',
    file: 'exposure-baseline.json',
    valid: json({ baseline: { at: 1, items: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', reachableFrom: 'lan' }] } }),
    invalidEntry: json({ baseline: { at: 1, items: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, reachableFrom: 'lan' }, { protocol: 'sctp', port: 99999 }] } }),
    invalidEntryIsWholeFile: true,
    open(dir, problems) {
      const service = new ExposureService({ listening: async () => [], mappings: async () => [], knownMappings: () => [], readFirewall: async () => ({ ok: false, reason: 'test' }), baselineFile: path.join(dir, this.file), problems });
      return { load: () => service.loadBaseline(), save: () => service.handlers['exposure.baseline.set']({ router: false }) };
    },
  },
];

/** How a file is damaged: its bytes, from the store's valid file. */
const DAMAGE: { name: string; bytes: (s: StoreCase) => string }[] = [
  { name: 'truncated', bytes: (s) => s.valid.slice(0, Math.floor(s.valid.length / 2)) },
  { name: 'empty (truncated to nothing)', bytes: () => '' },
  { name: 'garbage', bytes: () => '\u0000\u0001PK\u0003\u0004 not json at all {{{' },
  { name: 'null', bytes: () => 'null' },
  { name: 'of the wrong shape', bytes: () => '[42, "x"]' },
];

let dir: string;
let problems: ProblemLogT;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portolan-damaged-'));
  mkdirSync(path.join(dir, 'scans'));
  problems = new ProblemLog();
});
afterEach(() => failReads.clear());

const asides = (file: string) => readdirSync(path.dirname(file)).filter((n) => n.startsWith(`${path.basename(file)}.corrupt-`));

describe.each(STORES)('$name', (store) => {
  const fileOf = () => path.join(dir, store.file);

  it.each(DAMAGE)('$name: kept aside byte for byte, reported once, and a save never touches the copy', async ({ bytes }) => {
    const original = bytes(store);
    writeFileSync(fileOf(), original);
    const opened = store.open(dir, problems);
    await opened.load();
    await opened.load();
    const kept = asides(fileOf());
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(path.dirname(fileOf()), kept[0]!), 'utf8')).toBe(original);
    expect(problems.list()).toHaveLength(1);
    expect(problems.list()[0]).toContain(kept[0]);
    await opened.save();
    expect(readFileSync(path.join(path.dirname(fileOf()), kept[0]!), 'utf8')).toBe(original);
    expect(asides(fileOf())).toHaveLength(1);
  });

  it('an invalid entry: the rest loads, the entry is reported, and the whole file is kept', async () => {
    writeFileSync(fileOf(), store.invalidEntry);
    const opened = store.open(dir, problems);
    await opened.load();
    const kept = asides(fileOf());
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(path.dirname(fileOf()), kept[0]!), 'utf8')).toBe(store.invalidEntry);
    expect(problems.list()).toHaveLength(1);
    expect(problems.list()[0]).toContain(kept[0]);
    if (!store.invalidEntryIsWholeFile) {
      expect(problems.list()[0]).toMatch(/invalid and are not loaded/);
      expect(await opened.hasGoodEntry!()).toBe(true);
    }
    await opened.save();
    expect(readFileSync(path.join(path.dirname(fileOf()), kept[0]!), 'utf8')).toBe(store.invalidEntry);
  });

  it('EACCES (injected through the fs layer): reported, and saving refuses to write over it', async () => {
    writeFileSync(fileOf(), store.valid);
    failReads.set(fileOf(), 'EACCES');
    const opened = store.open(dir, problems);
    await opened.load();
    expect(problems.list()).toHaveLength(1);
    expect(problems.list()[0]).toMatch(/cannot be read \(EACCES/);
    if (store.file.startsWith('scans/')) {
      // A saved scan is never rewritten: the others (and new ones) still save, and it stays where it is.
      await opened.save();
    } else {
      expect(problems.list()[0]).toMatch(/will not save over it: give your user read and write access to it, or move it away/);
      await expect(opened.save()).rejects.toMatchObject({ code: 'EACCES', message: expect.stringMatching(/will not save over it/) });
    }
    expect(readFileSync(fileOf(), 'utf8')).toBe(store.valid);
    expect(asides(fileOf())).toEqual([]);
  });

  it('EISDIR (a folder where the file should be): reported, and nothing is written over it', async () => {
    mkdirSync(fileOf());
    writeFileSync(path.join(fileOf(), 'inside'), 'kept');
    const opened = store.open(dir, problems);
    await opened.load();
    expect(problems.list()).toHaveLength(1);
    expect(problems.list()[0]).toMatch(/cannot be read \(EISDIR/);
    if (store.file.startsWith('scans/')) await opened.save();
    else await expect(opened.save()).rejects.toThrow(/will not save over it/);
    expect(statSync(fileOf()).isDirectory()).toBe(true);
    expect(readFileSync(path.join(fileOf(), 'inside'), 'utf8')).toBe('kept');
  });

  it('a valid file loads with no problem and saves', async () => {
    writeFileSync(fileOf(), store.valid);
    const opened = store.open(dir, problems);
    await opened.load();
    expect(problems.list()).toEqual([]);
    await opened.save();
    expect(asides(fileOf())).toEqual([]);
  });
});
