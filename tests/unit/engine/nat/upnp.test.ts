/** SSDP answers, root descriptions, SOAP envelopes and faults (recorded from miniupnpd), gateways and UPnP error words. */
import { describe, expect, it } from 'vitest';
import { explainUpnpError } from '../../../../src-main/engine/nat/explain.js';
import { parseProcNetRoute, parseRouteGetDefault, parseWindowsRoutePrint } from '../../../../src-main/engine/nat/gateway.js';
import { buildSoapRequest, parseRootDescription, parseSoapFault, parseSoapResponse, toEntry } from '../../../../src-main/engine/nat/igd.js';
import { buildMSearch, parseSsdpResponse } from '../../../../src-main/engine/nat/ssdp.js';
import { fixture } from './fake-router.js';

const WANIP2 = 'urn:schemas-upnp-org:service:WANIPConnection:2';

describe('SSDP', () => {
  it('builds an M-SEARCH for an IGD', () => {
    expect(buildMSearch('urn:schemas-upnp-org:device:InternetGatewayDevice:1', 2)).toBe(
      'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n',
    );
  });

  it("parses miniupnpd's answer", () => {
    expect(parseSsdpResponse(fixture('ssdp-response.txt'))).toEqual({
      location: 'http://10.81.0.1:5000/rootDesc.xml',
      st: 'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      usn: expect.stringMatching(/^uuid:.*::urn:schemas-upnp-org:device:InternetGatewayDevice:1$/),
      server: expect.stringContaining('MiniUPnPd/2.3.1'),
    });
  });

  it('accepts lower-case headers and LF line ends; refuses other messages', () => {
    expect(parseSsdpResponse('HTTP/1.1 200 OK\nlocation: http://192.168.1.1:1900/igd.xml\nst: upnp:rootdevice\n\n')?.location).toBe('http://192.168.1.1:1900/igd.xml');
    expect(parseSsdpResponse('M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n')).toBeUndefined();
    expect(parseSsdpResponse('HTTP/1.1 200 OK\r\nST: x\r\n\r\n')).toBeUndefined();
    expect(parseSsdpResponse('HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n')).toBeUndefined();
  });
});

describe('root description', () => {
  it("finds miniupnpd's WANIPConnection:2 and resolves its control URL", () => {
    expect(parseRootDescription(fixture('miniupnpd-rootDesc.xml'), 'http://10.81.0.1:5000/rootDesc.xml')).toEqual({
      friendlyName: 'portolan-test-router',
      manufacturer: 'Debian',
      modelName: 'Debian router',
      serviceType: WANIP2,
      controlUrl: 'http://10.81.0.1:5000/ctl/IPConn',
    });
  });

  it('finds a nested WANPPPConnection:1 and resolves against URLBase; decodes entities', () => {
    expect(parseRootDescription(fixture('igd1-ppp-rootDesc.xml'), 'http://192.168.178.1:49000/igddesc.xml')).toEqual({
      friendlyName: 'Box & Co 7590',
      manufacturer: 'Example AG',
      modelName: 'Box 7590',
      serviceType: 'urn:schemas-upnp-org:service:WANPPPConnection:1',
      controlUrl: 'http://192.168.178.1:49000/igdupnp/control/WANPPPConn1',
    });
  });

  it('reports no service for a device without a WAN connection', () => {
    const d = parseRootDescription('<root><device><friendlyName>TV</friendlyName><serviceList></serviceList></device></root>', 'http://10.0.0.5/d.xml');
    expect(d.controlUrl).toBeUndefined();
    expect(d.friendlyName).toBe('TV');
  });
});

describe('SOAP', () => {
  it('builds an AddPortMapping envelope with escaped arguments (as sent to miniupnpd)', () => {
    const body = buildSoapRequest(WANIP2, 'AddPortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', 18090],
      ['NewProtocol', 'TCP'],
      ['NewInternalPort', 8080],
      ['NewInternalClient', '10.81.0.2'],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', 'fixture & <test>'],
      ['NewLeaseDuration', 3600],
    ]);
    expect(body).toBe(fixture('soap-AddPortMapping-request.xml'));
    expect(body).toContain('<NewPortMappingDescription>fixture &amp; &lt;test&gt;</NewPortMappingDescription>');
  });

  it('parses responses, empty (self-closing) ones included', () => {
    expect(parseSoapResponse(fixture('soap-GetExternalIPAddress.xml'), 'GetExternalIPAddress')).toEqual({ NewExternalIPAddress: '10.82.0.1' });
    expect(parseSoapResponse(fixture('soap-AddPortMapping.xml'), 'AddPortMapping')).toEqual({});
    expect(parseSoapResponse(fixture('soap-DeletePortMapping.xml'), 'DeletePortMapping')).toEqual({});
    const generic = parseSoapResponse(fixture('soap-GetGenericPortMappingEntry.xml'), 'GetGenericPortMappingEntry');
    expect(toEntry(generic)).toEqual({
      remoteHost: '',
      externalPort: 18090,
      protocol: 'tcp',
      internalPort: 8080,
      internalClient: '10.81.0.2',
      enabled: true,
      description: 'fixture & <test>',
      leaseSeconds: 3600,
    });
    const specific = parseSoapResponse(fixture('soap-GetSpecificPortMappingEntry.xml'), 'GetSpecificPortMappingEntry');
    expect(specific).toMatchObject({ NewInternalClient: '10.81.0.2', NewInternalPort: '8080', NewEnabled: '1' });
    expect(() => parseSoapResponse(fixture('soap-GetExternalIPAddress.xml'), 'AddPortMapping')).toThrow(/no AddPortMappingResponse/);
  });

  it('parses faults (718, 713, 714) and does not see faults in answers', () => {
    expect(parseSoapFault(fixture('soap-fault-718.xml'))).toEqual({ errorCode: 718, errorDescription: 'ConflictInMappingEntry' });
    expect(parseSoapFault(fixture('soap-fault-713.xml'))).toEqual({ errorCode: 713, errorDescription: 'SpecifiedArrayIndexInvalid' });
    expect(parseSoapFault(fixture('soap-fault-714.xml'))).toEqual({ errorCode: 714, errorDescription: 'NoSuchEntryInArray' });
    expect(parseSoapFault(fixture('soap-GetExternalIPAddress.xml'))).toBeUndefined();
  });

  it('explains UPnP error codes in plain words', () => {
    expect(explainUpnpError(718)).toEqual({ code: 'upnp:718', message: expect.stringMatching(/^UPnP error 718 ConflictInMappingEntry: .*secure mode/) });
    expect(explainUpnpError(725).message).toContain('permanent');
    expect(explainUpnpError(606).message).toContain('does not let UPnP clients');
    expect(explainUpnpError(714).message).toContain('no such mapping');
    expect(explainUpnpError(716).message).toContain('specific external port');
    expect(explainUpnpError(724).message).toContain('same number');
    expect(explainUpnpError(501).message).toContain('failed');
    expect(explainUpnpError(402).message).toContain('arguments');
    expect(explainUpnpError(899, 'Vendor')).toEqual({ code: 'upnp:899', message: 'UPnP error 899 Vendor: the router answered with UPnP error 899 (Vendor).' });
  });
});

describe('gateway', () => {
  it('reads the default route with the lowest metric from /proc/net/route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
      'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
    ].join('\n');
    expect(parseProcNetRoute(text)).toEqual({ address: '10.0.0.1', interface: 'eth0' });
    expect(parseProcNetRoute(text.split('\n').filter((l) => !l.includes('\t00000000\t0')).join('\n'))).toBeUndefined();
  });

  it('reads macOS `route -n get default` and Windows `route print`', () => {
    expect(parseRouteGetDefault('   route to: default\ndestination: default\n       mask: default\n    gateway: 192.168.1.254\n  interface: en0\n')).toEqual({ address: '192.168.1.254', interface: 'en0' });
    expect(parseRouteGetDefault('route: writing to routing socket: not in table\n')).toBeUndefined();
    const win = 'IPv4 Route Table\n===\nActive Routes:\nNetwork Destination        Netmask          Gateway       Interface  Metric\n          0.0.0.0          0.0.0.0      192.168.0.1    192.168.0.23     35\n          0.0.0.0          0.0.0.0         10.8.0.1        10.8.0.5     25\n';
    expect(parseWindowsRoutePrint(win)).toEqual({ address: '10.8.0.1', interface: '10.8.0.5' });
  });
});
