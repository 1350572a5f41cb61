/**
 * NAT-PMP (RFC 6886) and PCP (RFC 6887) messages against packets recorded from miniupnpd 2.3.1 in
 * the interop namespaces (tests/fixtures/nat/miniupnpd-udp.json: request and answer bytes in hex).
 */
import { describe, expect, it } from 'vitest';
import { decodeNatPmpResponse, encodeExternalAddressRequest, encodeMapRequest } from '../../../../src-main/engine/nat/natpmp.js';
import { decodePcpResponse, encodeAnnounceRequest, encodeMapRequest as encodePcpMap } from '../../../../src-main/engine/nat/pcp.js';
import { explainNatPmpResult, explainPcpResult } from '../../../../src-main/engine/nat/explain.js';
import { fixture } from './fake-router.js';

const rec = JSON.parse(fixture('miniupnpd-udp.json')) as Record<string, { request: string; response: string }>;
const hex = (name: string, which: 'request' | 'response') => Buffer.from(rec[name]![which], 'hex');

describe('NAT-PMP', () => {
  it('encodes requests byte for byte as recorded', () => {
    expect(encodeExternalAddressRequest()).toEqual(hex('natpmp-external-address', 'request'));
    expect(encodeMapRequest('tcp', 8080, 18092, 3600)).toEqual(hex('natpmp-map-tcp', 'request'));
    expect(encodeMapRequest('udp', 8081, 18093, 3600)).toEqual(hex('natpmp-map-udp', 'request'));
    expect(encodeMapRequest('tcp', 8080, 18092, 0)).toEqual(hex('natpmp-delete-tcp', 'request'));
  });

  it("decodes miniupnpd's answers", () => {
    expect(decodeNatPmpResponse(hex('natpmp-external-address', 'response'))).toEqual({ version: 0, opcode: 128, result: 0, epoch: 39, externalAddress: '10.82.0.1' });
    expect(decodeNatPmpResponse(hex('natpmp-map-tcp', 'response'))).toEqual({
      version: 0,
      opcode: 130,
      protocol: 'tcp',
      result: 0,
      epoch: 39,
      internalPort: 8080,
      externalPort: 18092,
      lifetime: 3600,
    });
    expect(decodeNatPmpResponse(hex('natpmp-map-udp', 'response'))).toMatchObject({ opcode: 129, protocol: 'udp', externalPort: 18093 });
    expect(decodeNatPmpResponse(hex('natpmp-delete-tcp', 'response'))).toMatchObject({ result: 0, externalPort: 0, lifetime: 0 });
  });

  it('ignores what is not a NAT-PMP answer (a PCP answer, a short packet, an unknown opcode)', () => {
    expect(decodeNatPmpResponse(hex('pcp-announce', 'response'))).toBeUndefined();
    expect(decodeNatPmpResponse(Buffer.from([0, 128, 0]))).toBeUndefined();
    // miniupnpd answers an unknown opcode (9) with opcode 137 and result 5 (unsupported opcode)
    const bad = hex('natpmp-bad-opcode', 'response');
    expect(bad.readUInt16BE(2)).toBe(5);
    expect(decodeNatPmpResponse(bad)).toBeUndefined();
  });

  it('decodes a short error answer (RFC 6886 3.5: 8 bytes)', () => {
    expect(decodeNatPmpResponse(Buffer.from('0082000200000027', 'hex'))).toMatchObject({ opcode: 130, result: 2, epoch: 39, externalPort: 0 });
  });

  it('explains every result code in plain words', () => {
    for (let code = 0; code <= 5; code++) expect(explainNatPmpResult(code).message).toMatch(new RegExp(`^NAT-PMP result ${code} \\(.+\\): .{20,}`));
    expect(explainNatPmpResult(2)).toEqual({ code: 'natpmp:2', message: expect.stringContaining('refused') });
    expect(explainNatPmpResult(3).message).toContain('no public address');
    expect(explainNatPmpResult(9).message).toContain('does not define');
  });
});

describe('PCP', () => {
  const nonce = (byte: number) => Buffer.alloc(12, byte);

  it('encodes ANNOUNCE and MAP byte for byte as recorded', () => {
    expect(encodeAnnounceRequest('10.81.0.2')).toEqual(hex('pcp-announce', 'request'));
    const map = { nonce: nonce(0x11), protocol: 'tcp' as const, internalPort: 8080, suggestedExternalPort: 18094, clientAddress: '10.81.0.2' };
    expect(encodePcpMap({ ...map, lifetime: 600 })).toEqual(hex('pcp-map-tcp', 'request'));
    expect(encodePcpMap({ ...map, lifetime: 0 })).toEqual(hex('pcp-map-delete', 'request'));
    expect(encodePcpMap({ ...map, nonce: nonce(0x33), suggestedExternalPort: 18095, lifetime: 600, thirdParty: '10.81.0.99' })).toEqual(hex('pcp-map-third-party', 'request'));
  });

  it('refuses a nonce that is not 12 bytes', () => {
    expect(() => encodePcpMap({ nonce: Buffer.alloc(8), protocol: 'tcp', internalPort: 1, suggestedExternalPort: 1, clientAddress: '10.0.0.1', lifetime: 1 })).toThrow(/12 bytes/);
  });

  it("decodes miniupnpd's answers", () => {
    expect(decodePcpResponse(hex('pcp-announce', 'response'))).toEqual({ version: 2, opcode: 0, result: 0, lifetime: 0, epoch: 41 });
    expect(decodePcpResponse(hex('pcp-map-tcp', 'response'))).toEqual({
      version: 2,
      opcode: 1,
      result: 0,
      lifetime: 600,
      epoch: 41,
      map: { nonce: nonce(0x11), protocol: 'tcp', internalPort: 8080, externalPort: 18094, externalAddress: '10.82.0.1' },
    });
    expect(decodePcpResponse(hex('pcp-map-address-mismatch', 'response'))).toMatchObject({ result: 12, lifetime: 0 });
    expect(decodePcpResponse(hex('pcp-map-third-party', 'response'))).toMatchObject({ result: 5 });
    expect(decodePcpResponse(hex('pcp-map-bad-version', 'response'))).toMatchObject({ result: 1 });
  });

  it('ignores requests and NAT-PMP answers', () => {
    expect(decodePcpResponse(hex('pcp-map-tcp', 'request'))).toBeUndefined();
    expect(decodePcpResponse(hex('natpmp-map-tcp', 'response'))).toBeUndefined();
  });

  it('explains result codes by name', () => {
    expect(explainPcpResult(2)).toEqual({ code: 'pcp:NOT_AUTHORIZED', message: expect.stringMatching(/^PCP NOT_AUTHORIZED \(2\): the router refused/) });
    expect(explainPcpResult(8).code).toBe('pcp:NO_RESOURCES');
    expect(explainPcpResult(9).code).toBe('pcp:UNSUPP_PROTOCOL');
    expect(explainPcpResult(11)).toEqual({ code: 'pcp:CANNOT_PROVIDE_EXTERNAL', message: expect.stringContaining('another external port') });
    expect(explainPcpResult(12).message).toContain('translates addresses');
    for (let code = 0; code <= 13; code++) expect(explainPcpResult(code).message.length).toBeGreaterThan(30);
  });
});
