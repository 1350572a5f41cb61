/** A saved scan record for tests of the history: one host, port 22 closed, started at `startedAt`. */
import type { ScanResults } from '../../src-main/contract/index.js';

/** A finished scan of 127.0.0.1 port 22 (closed), as the history saves it. */
export function savedScan(id: string, startedAt = 1): ScanResults {
  return {
    info: {
      id,
      spec: { targets: '127.0.0.1', ports: '22', protocol: 'tcp', serviceDetection: false, timing: 4, confirmPublic: false },
      state: 'done',
      hosts: [{ target: '127.0.0.1', address: '127.0.0.1', addresses: ['127.0.0.1'] }],
      portCount: 1,
      portList: '22',
      total: 1,
      done: 1,
      open: 0,
      rate: 0,
      etaMs: 0,
      startedAt,
      finishedAt: startedAt + 1,
    },
    results: [],
    counts: [{ host: '127.0.0.1', counts: { open: 0, closed: 1, filtered: 0, 'open|filtered': 0, error: 0 } }],
  };
}
