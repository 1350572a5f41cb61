/**
 * A stand-in for the `electron` module, for unit tests of src-main/electron on plain Node (the
 * Electron binary cannot be downloaded here). It records what the shell asks of Electron so tests
 * can check it. Use it with:
 *
 *   vi.mock('electron', async () => (await import('./electron-standin.js')).electron);
 *
 * The state lives on globalThis, so it survives `vi.resetModules()` (the main.ts tests re-import
 * the composition root for each scenario); call `resetStandin()` in `beforeEach`.
 */
import { vi } from 'vitest';

type Listener = (...args: any[]) => unknown;

/** A tiny EventEmitter that remembers its listeners. */
export class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, fn: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(name, wrapped);
      return fn(...args);
    };
    return this.on(name, wrapped);
  }
  removeListener(name: string, fn: Listener): this {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((l) => l !== fn));
    return this;
  }
  emit(name: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(name) ?? [];
    for (const fn of list) fn(...args);
    return list.length > 0;
  }
  listenerCount(name: string): number {
    return this.listeners.get(name)?.length ?? 0;
  }
}

/** A session whose permission handlers the tests can call. */
export class FakeSession {
  requestHandler: Listener | null | undefined;
  checkHandler: Listener | null | undefined;
  setPermissionRequestHandler(fn: Listener | null) {
    this.requestHandler = fn;
  }
  setPermissionCheckHandler(fn: Listener | null) {
    this.checkHandler = fn;
  }
}

/** A webContents: events, send(), and the window-open handler. */
export class FakeWebContents extends Emitter {
  readonly session = new FakeSession();
  readonly send = vi.fn();
  windowOpenHandler: Listener | undefined;
  destroyed = false;
  setWindowOpenHandler(fn: Listener) {
    this.windowOpenHandler = fn;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

/** A BrowserWindow that records its options and what was loaded. */
export class FakeBrowserWindow extends Emitter {
  static readonly instances: FakeBrowserWindow[] = [];
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.closed);
  }
  readonly webContents = new FakeWebContents();
  readonly loadFile = vi.fn(async (_file: string) => undefined);
  readonly loadURL = vi.fn(async (_url: string) => undefined);
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn();
  minimized = false;
  maximized = false;
  closed = false;
  /** Where the window is (the options' bounds; tests move it). */
  bounds: { x: number; y: number; width: number; height: number };
  readonly maximize = vi.fn(() => void (this.maximized = true));
  constructor(readonly options: Record<string, any>) {
    super();
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width, height: options.height };
    FakeBrowserWindow.instances.push(this);
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  isMaximized() {
    return this.maximized;
  }
  isMinimized() {
    return this.minimized;
  }
  close() {
    this.emit('close', { preventDefault: vi.fn() });
    this.closed = true;
    this.emit('closed');
  }
}

/** A native image made from a file: remembers the path and whether it is a template image. */
export class FakeNativeImage {
  template = false;
  constructor(readonly path: string) {}
  setTemplateImage(on: boolean) {
    this.template = on;
  }
}

/** A tray icon: its image, tooltip and context menu (what Menu.buildFromTemplate returned). */
export class FakeTray extends Emitter {
  static readonly instances: FakeTray[] = [];
  tooltip = '';
  menu: { template: any[] } | undefined;
  destroyed = false;
  readonly setContextMenu = vi.fn((menu: { template: any[] }) => void (this.menu = menu));
  constructor(readonly image: FakeNativeImage) {
    super();
    FakeTray.instances.push(this);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  destroy() {
    this.destroyed = true;
  }
  /** The menu's items, by label. */
  item(label: string | RegExp): any {
    return this.menu?.template.find((i) => (typeof label === 'string' ? i.label === label : label.test(i.label ?? '')));
  }
}

/** A system notification: its options, and whether it was shown. */
export class FakeNotification extends Emitter {
  static readonly instances: FakeNotification[] = [];
  static supported = true;
  static isSupported() {
    return FakeNotification.supported;
  }
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    FakeNotification.instances.push(this);
  }
  /** Clicks the notification, as the user would. */
  click() {
    this.emit('click', {});
  }
  show() {
    this.shown = true;
  }
}

function createStandin() {
  let ready!: () => void;
  let readyPromise = new Promise<void>((resolve) => (ready = resolve));
  let isReady = false;

  const app = Object.assign(new Emitter(), {
    lockGranted: true,
    isPackaged: false,
    appPath: process.cwd(),
    userData: '/nonexistent/portolan-userdata',
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => app.lockGranted),
    quit: vi.fn(),
    exit: vi.fn(),
    isReady: () => isReady,
    whenReady: () => readyPromise,
    getAppPath: () => app.appPath,
    getPath: vi.fn((name: string) => (name === 'userData' ? app.userData : `/nonexistent/${name}`)),
    disableHardwareAcceleration: vi.fn(),
    /** What getLoginItemSettings answers (macOS: wasOpenedAtLogin). */
    loginItem: { openAtLogin: false, wasOpenedAtLogin: false },
    setLoginItemSettings: vi.fn((settings: { openAtLogin: boolean }) => void (app.loginItem.openAtLogin = settings.openAtLogin)),
    getLoginItemSettings: vi.fn(() => ({ ...app.loginItem })),
  });

  const ipcMain = {
    handlers: new Map<string, Listener>(),
    handle: vi.fn((channel: string, fn: Listener) => {
      // Like Electron: a second handler for the same channel is an error.
      if (ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      ipcMain.handlers.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => void ipcMain.handlers.delete(channel)),
  };

  const ipcRenderer = Object.assign(new Emitter(), { invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, value: null })) });
  const exposed: Record<string, unknown> = {};
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, api: unknown) => void (exposed[key] = api)) };
  const shell = { openExternal: vi.fn(async (_url: string) => undefined) };
  const session = { defaultSession: new FakeSession() };
  const nativeTheme = { shouldUseDarkColors: false };
  /** The displays' work areas (screen.getAllDisplays); tests change them. */
  const screen = {
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1050 } }],
    getAllDisplays: () => screen.displays,
  };
  const Menu = {
    applicationMenu: undefined as unknown,
    buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
    setApplicationMenu: vi.fn((menu: unknown) => void (Menu.applicationMenu = menu)),
  };
  const dialog = {
    showErrorBox: vi.fn(),
    /** The answer the next message boxes give (index of the button). */
    response: 0,
    showMessageBox: vi.fn(async (_options: Record<string, any>) => ({ response: dialog.response, checkboxChecked: false })),
  };
  const nativeImage = { createFromPath: vi.fn((file: string) => new FakeNativeImage(file)) };
  const protocol = {
    /** Handlers by scheme, as protocol.handle registered them. */
    handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
    registerSchemesAsPrivileged: vi.fn((_schemes: unknown[]) => {
      // Like Electron: only before the app is ready.
      if (isReady) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    }),
    handle: vi.fn((scheme: string, fn: (request: Request) => Response | Promise<Response>) => void protocol.handlers.set(scheme, fn)),
  };
  // A reversible stand-in cipher (byte-wise complement), so tests can see that nothing is stored in clear.
  const safeStorage = {
    available: true,
    isEncryptionAvailable: () => safeStorage.available,
    encryptString: vi.fn((text: string) => Buffer.from(Buffer.from(text, 'utf8').map((b) => 255 - b))),
    decryptString: vi.fn((data: Buffer) => Buffer.from(data.map((b) => 255 - b)).toString('utf8')),
  };

  const electron = { app, BrowserWindow: FakeBrowserWindow, ipcMain, ipcRenderer, contextBridge, shell, session, nativeTheme, Menu, dialog, safeStorage, protocol, Tray: FakeTray, Notification: FakeNotification, nativeImage, screen };

  return {
    electron,
    exposed,
    /** Resolves app.whenReady(), as Electron does once it has started. */
    fireReady() {
      isReady = true;
      ready();
    },
    reset() {
      readyPromise = new Promise<void>((resolve) => (ready = resolve));
      isReady = false;
      app.listeners.clear();
      app.lockGranted = true;
      app.isPackaged = false;
      app.loginItem = { openAtLogin: false, wasOpenedAtLogin: false };
      protocol.handlers.clear();
      app.appPath = process.cwd();
      app.userData = '/nonexistent/portolan-userdata';
      ipcMain.handlers.clear();
      ipcRenderer.listeners.clear();
      for (const key of Object.keys(exposed)) delete exposed[key];
      session.defaultSession = new FakeSession();
      nativeTheme.shouldUseDarkColors = false;
      screen.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1050 } }];
      safeStorage.available = true;
      Menu.applicationMenu = undefined;
      FakeBrowserWindow.instances.length = 0;
      FakeTray.instances.length = 0;
      FakeNotification.instances.length = 0;
      FakeNotification.supported = true;
      dialog.response = 0;
      vi.clearAllMocks();
    },
  };
}

type Standin = ReturnType<typeof createStandin>;
const holder = globalThis as { __portolanElectronStandin?: Standin };
/** The one stand-in shared by the mock factory and the tests. */
export const standin: Standin = (holder.__portolanElectronStandin ??= createStandin());
/** What `vi.mock('electron', ...)` returns. */
export const electron = standin.electron;
/** Clears recorded calls, listeners and windows; makes app.whenReady() pending again. */
export const resetStandin = (): void => standin.reset();
