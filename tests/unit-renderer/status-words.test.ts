import { describe, expect, it } from 'vitest';
import { machineWords, transportWords } from '../../src-renderer/src/lib/ui/status-words.js';

describe('the status bar in words', () => {
  it('names the machine and its system as people say them, not "linux · vm"', () => {
    expect(machineWords({ platform: 'linux', hostname: 'vm' })).toBe('Machine: vm (Linux)');
    expect(machineWords({ platform: 'darwin', hostname: 'mac' })).toBe('Machine: mac (macOS)');
    expect(machineWords({ platform: 'haiku', hostname: 'h' })).toBe('Machine: h (haiku)');
  });

  it('says how the window reaches the engine, not "web" or "ipc"', () => {
    expect(transportWords('web').text).toBe('In a browser');
    expect(transportWords('ipc').text).toBe('Desktop app');
    expect(transportWords('direct').text).toBe('Command line');
  });
});
