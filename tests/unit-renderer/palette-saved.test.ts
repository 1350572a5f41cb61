import { describe, expect, it } from 'vitest';
import type { GuardInfo, KnockProfile } from '../../src-main/contract/knock.js';
import type { ListenerInfo } from '../../src-main/contract/sessions.js';
import { findSaved, type SavedSources } from '../../src-renderer/src/lib/ui/palette-saved.js';
import type { ForwardInfo } from '../../src-main/contract/forwards.js';
import { forward } from './forward-info.js';

/** A TCP forward with this name (and target). */
const named = (id: string, name: string, targetHost = '127.0.0.1', targetPort = 7000): ForwardInfo =>
  forward(id, { spec: { kind: 'tcp', name, listenHost: '127.0.0.1', listenPort: 0, allow: [], startWithApp: false, targetHost, targetPort } });

const guard = { id: 'G1', spec: { name: 'office door' }, state: 'armed' } as unknown as GuardInfo;
const listener = { id: 'L1', protocol: 'tcp', host: '127.0.0.1', port: 9000, activePeers: 1 } as unknown as ListenerInfo;
const knockProfile = { id: 'K1', name: 'office ssh', host: 'gw.example' } as unknown as KnockProfile;

const sources: SavedSources = {
  forwards: [
    named('f-1', 'postgres staging', 'db.internal', 5432),
    named('f-2', 'web'),
  ],
  guards: [guard],
  listeners: [listener],
  scanProfiles: [{ name: 'home lan', targets: '192.168.1.0/24', ports: 'top:100', protocol: 'tcp', serviceDetection: false, timing: 4 }],
  knockProfiles: [knockProfile],
};

describe('the palette finds saved things by name', () => {
  it('finds a forward, a guard, a scan profile and a knock profile by part of their name', () => {
    expect(findSaved(sources, 'postgres').map((h) => h.label)).toEqual(['Forward: postgres staging']);
    expect(findSaved(sources, 'Office').map((h) => h.label)).toEqual(['Guard: office door', 'Knock profile: office ssh']);
    expect(findSaved(sources, 'home')).toMatchObject([{ kind: 'scan-profile', key: 'home lan', label: 'Scan profile: home lan' }]);
    expect(findSaved(sources, 'office ssh')).toMatchObject([{ kind: 'knock-profile', key: 'K1' }]);
  });

  it('finds a listener by its port, and a forward by its target', () => {
    expect(findSaved(sources, '9000')).toMatchObject([{ kind: 'listener', key: 'L1', label: 'Listener TCP 127.0.0.1:9000', testId: 'listener-L1' }]);
    expect(findSaved(sources, 'db.internal')).toMatchObject([{ kind: 'forward', key: 'f-1', testId: 'forward-f-1' }]);
  });

  it('ranks an exact name before names that only contain it, and finds nothing for an empty query', () => {
    const more = { ...sources, forwards: [...sources.forwards, named('f-3', 'web admin')] };
    expect(findSaved(more, 'web').map((h) => h.key)).toEqual(['f-2', 'f-3']);
    expect(findSaved(sources, '  ')).toEqual([]);
  });
});
