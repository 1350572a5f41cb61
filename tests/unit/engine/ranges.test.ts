import { describe, expect, it } from 'vitest';
import { categoryOf } from '../../../src-main/engine/dictionary/ranges.js';
import { parseLinuxPortRange, readEphemeralRange } from '../../../src-main/engine/system/ephemeral-range.js';

describe('port ranges', () => {
  it('puts the boundaries of RFC 6335 in the right category', () => {
    expect([0, 1023, 1024, 49151, 49152, 65535].map(categoryOf)).toEqual([
      'well-known',
      'well-known',
      'registered',
      'registered',
      'dynamic',
      'dynamic',
    ]);
  });

  it("parses Linux's ip_local_port_range and refuses nonsense", () => {
    expect(parseLinuxPortRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(parseLinuxPortRange('60999 32768')).toBeUndefined();
    expect(parseLinuxPortRange('x')).toBeUndefined();
  });

  it('reports documented defaults on other systems, with the source', async () => {
    expect(await readEphemeralRange('win32')).toMatchObject({ low: 49152, high: 65535 });
    expect((await readEphemeralRange('darwin')).source).toMatch(/macOS/);
  });
});
