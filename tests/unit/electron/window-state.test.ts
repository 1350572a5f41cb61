import { describe, expect, it } from 'vitest';
import { restoredBounds, windowStateOf } from '../../../src-main/electron/window-state.js';

const laptop = { x: 0, y: 0, width: 1440, height: 870 };
const monitorRight = { x: 1440, y: 0, width: 2560, height: 1410 };

describe('window state across runs and displays', () => {
  it('nothing remembered: the default size', () => {
    expect(restoredBounds(undefined, [laptop])).toBeUndefined();
  });

  it('reopens where it was when that place is on a display', () => {
    const state = { x: 1600, y: 100, width: 1400, height: 900, maximized: false };
    expect(restoredBounds(state, [laptop, monitorRight])).toEqual({ x: 1600, y: 100, width: 1400, height: 900 });
  });

  it('a window left on a monitor that is gone opens at the default place instead of off-screen', () => {
    const state = { x: 1600, y: 100, width: 1400, height: 900, maximized: true };
    expect(restoredBounds(state, [laptop])).toBeUndefined();
  });

  it('a window mostly off its display is pulled in, and shrunk to fit a smaller display', () => {
    expect(restoredBounds({ x: 1300, y: 800, width: 1000, height: 700, maximized: false }, [laptop])).toEqual({ x: 440, y: 170, width: 1000, height: 700 });
    expect(restoredBounds({ x: 1500, y: 0, width: 2400, height: 1400, maximized: false }, [laptop, { x: 1440, y: 0, width: 1280, height: 800 }])).toEqual({ x: 1440, y: 0, width: 1280, height: 800 });
    // Only a sliver (less than a title bar) on the display: not enough.
    expect(restoredBounds({ x: 1400, y: 0, width: 800, height: 600, maximized: false }, [laptop])).toBeUndefined();
  });

  it('remembers the normal bounds and the maximized state', () => {
    const win = { getNormalBounds: () => ({ x: 10.4, y: 20.6, width: 1000, height: 700 }), isMaximized: () => true };
    expect(windowStateOf(win)).toEqual({ x: 10, y: 21, width: 1000, height: 700, maximized: true });
  });
});
