/** Ordering of socket rows by any column; ties fall back to the row id so the order is total. */
import type { SocketRow } from '../../../../src-main/contract/sockets.js';
import type { Column, SortDir } from './options.js';
import { rangeCategory } from './ports.js';

/** Looks up what sorting by service name needs. */
export interface SortContext {
  serviceName(port: number): string | undefined;
}

const addressKeys = new Map<string, string>();

/** A key that orders addresses as people expect: IPv4 numerically, then IPv6 by expanded groups. */
export function addressKey(address: string): string {
  let key = addressKeys.get(address);
  if (key !== undefined) return key;
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) {
    key = '4' + a.split('.').map((n) => n.padStart(3, '0')).join('.');
  } else if (a.includes(':')) {
    const [head = '', tail = ''] = a.split('%')[0]!.split('::');
    const h = head ? head.split(':') : [];
    const t = a.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
    key = '6' + groups.map((g) => g.padStart(4, '0')).join(':');
  } else {
    key = '9' + a;
  }
  if (addressKeys.size > 50_000) addressKeys.clear();
  addressKeys.set(address, key);
  return key;
}

const RANGE_ORDER = { 'well-known': 0, registered: 1, dynamic: 2 } as const;

type Value = string | number | undefined;

function valueOf(row: SocketRow, column: Column, ctx: SortContext): Value {
  switch (column) {
    case 'proto':
      return row.proto;
    case 'local':
      return addressKey(row.localAddress);
    case 'lport':
      return row.localPort;
    case 'lservice':
      return ctx.serviceName(row.localPort);
    case 'remote':
      return addressKey(row.remoteAddress);
    case 'rport':
      return row.remotePort;
    case 'rservice':
      return row.remotePort ? ctx.serviceName(row.remotePort) : undefined;
    case 'state':
      return row.state;
    case 'pid':
      return row.pid;
    case 'process':
      return row.process?.toLowerCase();
    case 'user':
      return row.user;
    case 'rx':
      return row.rxQueue;
    case 'tx':
      return row.txQueue;
    case 'range':
      return RANGE_ORDER[rangeCategory(row.localPort)];
  }
}

/** A comparator of rows by one column and direction; missing values go last either way. */
export function compareRows(column: Column, dir: SortDir, ctx: SortContext): (a: SocketRow, b: SocketRow) => number {
  const sign = dir === 'asc' ? 1 : -1;
  return (a, b) => {
    const va = valueOf(a, column, ctx);
    const vb = valueOf(b, column, ctx);
    if (va !== vb) {
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va) < String(vb) ? -1 : 1;
      if (c !== 0) return sign * c;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}
