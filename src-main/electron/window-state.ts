/**
 * The main window's size, position and maximized state, remembered across runs (in the settings'
 * windowState) and checked against the displays there are now: a window last shown on a monitor
 * that is gone opens at the default size on the primary display instead of off-screen.
 */
import type { WindowState } from '../contract/index.js';

/** A rectangle on the virtual screen, as Electron's displays and windows report it. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much of a remembered window must be on a display for it to open there (a grabbable title bar). */
const MIN_VISIBLE = { width: 120, height: 60 };

/** The area two rectangles share (width and height 0 when they do not meet). */
function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * Where to open the window: the remembered bounds when enough of them lies on one of today's
 * displays (shrunk to fit that display's work area), else undefined (the default size, centred).
 */
export function restoredBounds(state: WindowState | undefined, workAreas: readonly Rect[]): Rect | undefined {
  if (!state) return undefined;
  for (const area of workAreas) {
    const shared = overlap(state, area);
    if (shared.width < Math.min(MIN_VISIBLE.width, state.width) || shared.height < Math.min(MIN_VISIBLE.height, state.height)) continue;
    const width = Math.min(state.width, area.width);
    const height = Math.min(state.height, area.height);
    // Keep the whole window inside the work area once shrunk.
    const x = Math.min(Math.max(state.x, area.x), area.x + area.width - width);
    const y = Math.min(Math.max(state.y, area.y), area.y + area.height - height);
    return { x, y, width, height };
  }
  return undefined;
}

/** What a window reports about itself, for windowStateOf. */
export interface WindowLike {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
}

/** The state to remember: the bounds it has when not maximized, and whether it is. */
export function windowStateOf(win: WindowLike): WindowState {
  const { x, y, width, height } = win.getNormalBounds();
  return { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height), maximized: win.isMaximized() };
}
