/** Schemas of the user's settings, persisted atomically by the app. */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** Theme preference: follow the operating system, or force one. */
export const ThemePreference = z.enum(['system', 'light', 'dark']);

/** The main window's place on screen, remembered by the desktop app between runs. */
export const WindowState = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

/** Settings only the desktop app reads (the tray, login start, system notifications, the window). */
export const DesktopSettings = z.object({
  /** Quit when the window closes, even while forwards, guards or listeners run (default: keep running in the tray). */
  quitOnWindowClose: z.boolean().default(false),
  /** The one-time notice "Portolan keeps running in the tray" was shown. */
  trayNoticeShown: z.boolean().default(false),
  /** Start Portolan at login, hidden in the tray (forwards marked "start with app" run). */
  startAtLogin: z.boolean().default(false),
  /** System notification when a forward fails. (New listeners follow listenerAlerts.) */
  notifyForwardFailed: z.boolean().default(true),
  /** System notification when an SSH forward is back up after retrying. */
  notifyForwardReconnected: z.boolean().default(true),
  /** System notification when a router mapping is lost. */
  notifyRouterLost: z.boolean().default(true),
  /** The main window's last bounds and maximized state. */
  windowState: WindowState.optional(),
});

/** The user's settings. New fields must have defaults so that older files still parse. */
export const Settings = z.object({
  theme: ThemePreference.default('system'),
  /** Remembered text of filter and search boxes, keyed by view. */
  filters: z.record(z.string(), z.string().max(500)).default({}),
  /** The view shown at start-up; a newcomer sees the start page. */
  lastView: z.string().max(50).default('start'),
  /** Listening sockets the user knows about ("tcp|0.0.0.0|22"); a new one outside it raises an alert. */
  listenerBaseline: z.array(z.string().max(200)).max(5000).default([]),
  /** Notify when a listening port appears that is not in the baseline. */
  listenerAlerts: z.boolean().default(true),
  /**
   * The user asked Portolan to look for the router once ("Look for my router"), so opening the
   * Router view asks the gateway again (SSDP, NAT-PMP, PCP). False until then: no traffic leaves
   * this machine without the user asking.
   */
  routerDiscovery: z.boolean().default(false),
  ...DesktopSettings.shape,
});
export type Settings = z.infer<typeof Settings>;

/** A partial update of the settings; omitted fields keep their value. */
export const SettingsPatch = z.object({
  theme: ThemePreference.optional(),
  filters: z.record(z.string(), z.string().max(500)).optional(),
  lastView: z.string().max(50).optional(),
  listenerBaseline: z.array(z.string().max(200)).max(5000).optional(),
  listenerAlerts: z.boolean().optional(),
  routerDiscovery: z.boolean().optional(),
  ...DesktopSettings.partial().shape,
});
export type SettingsPatch = z.input<typeof SettingsPatch>;

/** Settings as read, plus what went wrong reading them (a corrupt file kept aside). */
export const SettingsState = z.object({
  settings: Settings,
  path: z.string(),
  /** What went wrong reading settings.json, until a setting is saved. */
  problem: z.string().optional(),
  /**
   * Every problem this run met with the user's saved files (settings, forwards, knock profiles,
   * router mappings, secrets, scans): a damaged file kept aside, a file that cannot be read.
   */
  problems: z.array(z.string()).optional(),
});
export type SettingsState = z.infer<typeof SettingsState>;

/** The settings part of the contract's call table (spread into `calls` of api.ts). */
export const settingsCalls = {
  /** The user's settings, and a problem found while reading them, if any. */
  'settings.get': {
    input: Empty,
    output: SettingsState,
    doc: "The user's settings and where they are stored.",
  },
  /** Updates some settings; written atomically; emits settings.changed. */
  'settings.update': {
    input: SettingsPatch,
    output: SettingsState,
    doc: "Update the user's settings (theme, remembered filters).",
  },
} as const satisfies Record<string, CallSpec>;

/** The settings part of the contract's event table. */
export const settingsEvents = {
  /** The settings changed (from any window or browser tab). */
  'settings.changed': Settings,
} as const;
