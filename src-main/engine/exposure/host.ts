/** Facts of this host the exposure assessment needs: interface addresses and the IPv6 bind default. */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { InterfaceAddress } from './assess.js';

/** Every address of every interface, with its prefix length. */
export function interfaceAddresses(source: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, infos] of Object.entries(source)) {
    for (const i of infos ?? []) {
      const prefix = Number(i.cidr?.split('/')[1] ?? (i.family === 'IPv4' ? 32 : 128));
      out.push({ name, address: i.address.split('%')[0]!, family: i.family === 'IPv4' ? 4 : 6, prefix, internal: i.internal });
    }
  }
  return out;
}

/** net.ipv6.bindv6only: true when a socket bound to :: takes no IPv4 unless it asks (Linux; false elsewhere). */
export async function readBindV6Only(): Promise<boolean> {
  try {
    return (await readFile('/proc/sys/net/ipv6/bindv6only', 'utf8')).trim() === '1';
  } catch {
    return false;
  }
}
