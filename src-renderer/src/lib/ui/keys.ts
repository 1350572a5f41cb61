/** The modifier key of shortcuts on this platform, as people read it. */
const mac = window.portolan ? window.portolan.platform === 'darwin' : /Mac/.test(navigator.userAgent);
export const modKey: string = mac ? '⌘' : 'Ctrl';
