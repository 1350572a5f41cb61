/** The status bar's facts about the engine, in words a user understands (not "linux · vm", "web"). */
import type { SystemInfo } from '../../../../src-main/contract/system.js';

/** Node's platform names as people say them. */
const PLATFORMS: Record<string, string> = {
  linux: 'Linux',
  darwin: 'macOS',
  win32: 'Windows',
  freebsd: 'FreeBSD',
  openbsd: 'OpenBSD',
  netbsd: 'NetBSD',
  sunos: 'Solaris',
  aix: 'AIX',
};

/** "Machine: vm (Linux)": which computer the engine looks at. */
export function machineWords(info: Pick<SystemInfo, 'platform' | 'hostname'>): string {
  return `Machine: ${info.hostname} (${PLATFORMS[info.platform] ?? info.platform})`;
}

/** How this window reaches the engine. */
export function transportWords(transport: SystemInfo['transport']): { text: string; title: string } {
  switch (transport) {
    case 'web':
      return { text: 'In a browser', title: 'This page talks to the engine that `portolan serve` started on this machine' };
    case 'ipc':
      return { text: 'Desktop app', title: 'This window talks to the engine inside the desktop app' };
    case 'direct':
      return { text: 'Command line', title: 'The engine runs inside the portolan command' };
  }
}
