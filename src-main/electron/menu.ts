/** The application menu: File, Edit, View, Window, Help, plus the app menu on macOS. */
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { openExternalSafely } from './security.js';

/** Where "Learn about ports" leads: IANA's registry of service names and port numbers. */
export const LEARN_URL = 'https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml';

/** What the menu offers beyond the platform's defaults. */
export interface MenuOptions {
  /** Show "Toggle Developer Tools" (a development run; never the packaged app). */
  devTools: boolean;
}

/** The menu template for a platform (exported for the unit test). */
export function menuTemplate(platform: NodeJS.Platform, options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Portolan',
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(options.devTools ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Learn about ports (IANA registry)', click: () => openExternalSafely(LEARN_URL) },
        ...(mac ? [] : [{ type: 'separator' as const }, { role: 'about' as const }]),
      ],
    },
  );
  return template;
}

/** Builds the menu for this platform and makes it the application menu. */
export function installMenu(options: MenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, options)));
}
