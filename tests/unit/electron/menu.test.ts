import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { resetStandin, standin } from './electron-standin.js';

vi.mock('electron', async () => (await import('./electron-standin.js')).electron);

const { installMenu, LEARN_URL, menuTemplate } = await import('../../../src-main/electron/menu.js');

const labels = (t: MenuItemConstructorOptions[]) => t.map((item) => item.label ?? item.role);
const roles = (item: MenuItemConstructorOptions | undefined) =>
  (item?.submenu as MenuItemConstructorOptions[]).map((i) => i.role ?? i.label ?? i.type);

describe('application menu', () => {
  beforeEach(() => resetStandin());

  it('has File, Edit, View, Window and Help on Linux and Windows', () => {
    const template = menuTemplate('linux', { devTools: true });
    expect(labels(template)).toEqual(['File', 'Edit', 'View', 'windowMenu', 'help']);
    expect(roles(template[0])).toEqual(['quit']);
    expect(roles(template[1])).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']));
    expect(roles(template[2])).toEqual(expect.arrayContaining(['reload', 'toggleDevTools', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']));
  });

  it('offers Toggle Developer Tools only when asked (a development run), never in the packaged app', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const view = (t: MenuItemConstructorOptions[]) => roles(t.find((i) => i.label === 'View'));
      expect(view(menuTemplate(platform, { devTools: false })), platform).not.toContain('toggleDevTools');
      expect(view(menuTemplate(platform, { devTools: false })), platform).toContain('reload');
      expect(view(menuTemplate(platform, { devTools: true })), platform).toContain('toggleDevTools');
    }
  });

  it('adds the app menu on macOS', () => {
    const template = menuTemplate('darwin', { devTools: false });
    expect(labels(template)).toEqual(['Portolan', 'File', 'Edit', 'View', 'windowMenu', 'help']);
    expect(roles(template[0])).toEqual(expect.arrayContaining(['about', 'hide', 'quit']));
  });

  it('"Learn about ports" opens the IANA registry in the OS browser', () => {
    const help = menuTemplate('linux', { devTools: false }).at(-1)!.submenu as MenuItemConstructorOptions[];
    const learn = help.find((i) => i.label?.startsWith('Learn about ports'))!;
    (learn.click as () => void)();
    expect(standin.electron.shell.openExternal).toHaveBeenCalledWith(LEARN_URL);
    expect(LEARN_URL.startsWith('https://')).toBe(true);
  });

  it('installs itself as the application menu', () => {
    installMenu({ devTools: false });
    expect(standin.electron.Menu.setApplicationMenu).toHaveBeenCalledOnce();
    const built = standin.electron.Menu.buildFromTemplate.mock.calls[0]![0] as MenuItemConstructorOptions[];
    expect(labels(built)).toEqual(labels(menuTemplate(process.platform, { devTools: false })));
    expect(standin.electron.Menu.applicationMenu).toEqual({ template: built });
  });
});
