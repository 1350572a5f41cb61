/** After each renderer test: no scripted answer of a FakeTransport broke the contract's output schemas. */
import { afterEach, expect } from 'vitest';
import { contractViolations } from './fake-transport.js';

afterEach(() => {
  const found = contractViolations.splice(0);
  expect(found, 'FakeTransport answers that the contract does not allow').toEqual([]);
});
