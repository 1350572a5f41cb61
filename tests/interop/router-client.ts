/**
 * The Portolan side of the router interop test, run inside the lan namespace:
 *   ip netns exec <lan> node --import tsx tests/interop/router-client.ts <data-dir> '<steps JSON>'
 * Steps are [{ "call": "router.add", "input": {...} }, ...] plus { "call": "renew" } (renew every
 * mapping now, as the timers do at half the lease) and { "call": "check" } (the reboot and
 * external-address check). Prints one JSON array of { ok, value | error } and exits.
 */
import path from 'node:path';
import { EventBus } from '../../src-main/app/event-bus.js';
import { dispatch } from '../../src-main/app/dispatch.js';
import { RouterService } from '../../src-main/app/router-service.js';
import type { Handlers } from '../../src-main/contract/index.js';
import { toWireError } from '../../src-main/contract/index.js';

const [dataDir, stepsJson] = process.argv.slice(2);
const steps = JSON.parse(stepsJson ?? '[]') as Array<{ call: string; input?: unknown }>;
const bus = new EventBus();
const events: unknown[] = [];
bus.onAny((event, payload) => events.push({ event, payload }));
const service = new RouterService(bus, { file: path.join(dataDir!, 'router-mappings.json'), keepAlive: false });
const results: unknown[] = [];
for (const step of steps) {
  if (step.call === 'renew' || step.call === 'check') {
    try {
      await service.handlers['router.mappings']({});
      const value = step.call === 'renew' ? await service.engine.renewAll() : (await service.engine.check(), service.engine.snapshot());
      results.push({ ok: true, value });
    } catch (err) {
      results.push({ ok: false, error: toWireError(err) });
    }
  } else results.push(await dispatch(service.handlers as Handlers, step.call, step.input ?? {}));
}
await service.close();
process.stdout.write(`${JSON.stringify({ results, events: events.length })}\n`);
