import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDictionary } from '../../src-main/engine/dictionary/load.js';
import type { Dictionary } from '../../src-main/engine/dictionary/dictionary.js';
import { ASSETS_DIR } from '../helpers/app.js';
import { Api, ApiError } from '../../src-renderer/src/lib/api/client.js';
import { DictionaryState } from '../../src-renderer/src/lib/state/dictionary.svelte.js';
import type { CallResult } from '../../src-main/contract/channels.js';
import { deferred, fail, FakeTransport, lookupResult, ok } from './fake-transport.js';

afterEach(() => vi.useRealTimers());

// Cards come from the real dictionary, so the scripted answers are ones the engine gives.
let dictionary: Dictionary;
beforeAll(async () => {
  dictionary = await loadDictionary(ASSETS_DIR);
});
const card = (port: number) => dictionary.card(port, { low: 32768, high: 60999, source: 'test' });

describe('DictionaryState', () => {
  it('debounces typing into one look-up of the last text', async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport({ 'dictionary.lookup': (q) => ok(lookupResult(q.query, [443])) });
    const remembered: string[] = [];
    const dict = new DictionaryState(new Api(transport), { debounceMs: 100, onQuery: (q) => remembered.push(q) });
    for (const text of ['4', '44', '443']) {
      dict.setQuery(text);
      await vi.advanceTimersByTimeAsync(30);
    }
    expect(transport.callsOf('dictionary.lookup')).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(transport.callsOf('dictionary.lookup')).toEqual([{ query: '443', page: 0, pageSize: 50 }]);
    expect(dict.items.map((i) => i.port)).toEqual([443]);
    expect(remembered).toEqual(['4', '44', '443']);
  });

  it('drops answers to look-ups that a newer one replaced', async () => {
    const answers: { query: string; answer: ReturnType<typeof deferred<CallResult>> }[] = [];
    const transport = new FakeTransport({
      'dictionary.lookup': (q) => {
        const answer = deferred<CallResult>();
        answers.push({ query: q.query, answer });
        return answer.promise;
      },
    });
    const dict = new DictionaryState(new Api(transport));
    dict.query = 'ssh';
    const first = dict.lookup();
    dict.query = 'http';
    const second = dict.lookup();
    answers[1]!.answer.resolve(ok(lookupResult('http', [80])));
    await second;
    expect(dict.loading).toBe(false);
    answers[0]!.answer.resolve(ok(lookupResult('ssh', [22])));
    await first;
    expect(dict.result?.query).toBe('http');
    expect(dict.items.map((i) => i.port)).toEqual([80]);
  });

  it('pages through results and clamps to the last page', async () => {
    const transport = new FakeTransport({ 'dictionary.lookup': (q) => ok(lookupResult(q.query, [1, 2], 120, q.page, q.pageSize)) });
    const dict = new DictionaryState(new Api(transport));
    dict.query = 'time';
    await dict.lookup();
    expect(dict.pageCount).toBe(3);
    await dict.goToPage(1);
    await dict.goToPage(99);
    await dict.goToPage(-5);
    expect(transport.callsOf('dictionary.lookup').map((q) => q.page)).toEqual([0, 1, 2, 0]);
    dict.page = 2;
    dict.setQuery('times');
    expect(dict.page).toBe(0);
  });

  it('shows the engine error and clears results; an empty query clears without calling', async () => {
    const transport = new FakeTransport({ 'dictionary.lookup': () => fail('INVALID_INPUT', 'query: too long') });
    const dict = new DictionaryState(new Api(transport));
    dict.query = 'x'.repeat(300);
    await dict.lookup();
    expect(dict.error).toBe('query: too long');
    expect(dict.result).toBeNull();
    dict.query = '   ';
    await dict.lookup();
    expect(dict.error).toBeNull();
    expect(transport.calls).toHaveLength(1);
  });

  it('opens cards (newest wins), moves the selection and checks binds with the chosen protocol and host', async () => {
    const slow = deferred<CallResult>();
    const transport = new FakeTransport({
      'dictionary.lookup': (q) => ok(lookupResult(q.query, [20, 21, 22])),
      'dictionary.card': (q) => (q.port === 20 ? slow.promise : ok(card(q.port))),
      'dictionary.bindCheck': (q) => ok({ ...q, status: 'in-use', message: 'in use by sshd', holder: { pid: 7, process: 'sshd' } }),
    });
    const dict = new DictionaryState(new Api(transport));
    dict.query = 'ftp';
    await dict.lookup();
    const stale = dict.openPort(20);
    await dict.openPort(21);
    slow.resolve(ok(card(20)));
    await stale;
    expect(dict.card?.port).toBe(21);

    dict.move(1);
    dict.move(5);
    await Promise.resolve();
    expect(dict.selected).toBe(22);

    dict.bindProtocol = 'udp';
    dict.bindHost = ' ::1 ';
    await dict.checkBind();
    expect(transport.callsOf('dictionary.bindCheck')).toEqual([{ port: 22, protocol: 'udp', host: '::1' }]);
    expect(dict.bind?.holder?.process).toBe('sshd');
    await dict.openPort(21);
    expect(dict.bind).toBeNull();
  });

  it('Enter opens the first result, or the selected one, without waiting for the pause', async () => {
    const transport = new FakeTransport({
      'dictionary.lookup': (q) => ok(lookupResult(q.query, q.query === 'nothing' ? [] : [22, 2222, 830])),
      'dictionary.card': (q) => ok(card(q.port)),
    });
    const dict = new DictionaryState(new Api(transport), { debounceMs: 10_000 });
    dict.setQuery('ssh');
    expect(await dict.submit()).toBe(22);
    expect(dict.card?.port).toBe(22);
    dict.move(1);
    expect(await dict.submit()).toBe(2222);
    dict.setQuery('nothing');
    expect(await dict.submit()).toBeNull();
    expect(dict.card).toBeNull();
  });

  it('opens the card of a single match, and closes a card the new list does not hold', async () => {
    const transport = new FakeTransport({
      'dictionary.lookup': (q) => ok(lookupResult(q.query, q.query === 'mysql' ? [3306] : [80, 8080])),
      'dictionary.card': (q) => ok(card(q.port)),
    });
    const dict = new DictionaryState(new Api(transport));
    await dict.openPort(443);
    dict.query = 'mysql';
    await dict.lookup();
    await vi.waitFor(() => expect(dict.card?.port).toBe(3306));
    expect(dict.selected).toBe(3306);
    dict.query = 'http';
    await dict.lookup();
    expect(dict.selected).toBeNull();
    expect(dict.card).toBeNull();
  });

  it('a link to a port not in the list makes the search that port', async () => {
    const transport = new FakeTransport({
      'dictionary.lookup': (q) => ok(lookupResult(q.query, q.query === '443' ? [443] : [22, 2222])),
      'dictionary.card': (q) => ok(card(q.port)),
    });
    const dict = new DictionaryState(new Api(transport));
    dict.query = 'ssh';
    await dict.lookup();
    await dict.showPort(2222);
    expect(dict.query).toBe('ssh');
    await dict.showPort(443);
    await vi.waitFor(() => expect(dict.items.map((i) => i.port)).toEqual([443]));
    expect(dict.query).toBe('443');
    expect(dict.card?.port).toBe(443);
  });

  it('throws ApiError with the code and message of a failed call', async () => {
    const api = new Api(new FakeTransport({ 'dictionary.card': () => fail('NOT_FOUND', 'no such port') }));
    const err = await api.call('dictionary.card', { port: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no such port' });
  });
});
