/** Schemas of the Learn panel: short cards that explain each concept of ports. */
import * as z from 'zod';
import { Empty, type CallSpec } from './call-spec.js';

/** Concept ids; the UI links to a card by its id wherever the concept appears. */
export const ConceptId = z.enum([
  'ports',
  'ranges',
  'tcp-udp',
  'sockets',
  'socket-pairs',
  'multiplexing',
  'firewalls',
  'scanning',
  'forwarding',
  'knocking',
]);
export type ConceptId = z.infer<typeof ConceptId>;

/** One Learn card: a title, a one-line summary and a few paragraphs. */
export const LearnCard = z.object({
  id: ConceptId,
  title: z.string(),
  summary: z.string(),
  body: z.array(z.string()).min(1),
  related: z.array(ConceptId),
  tryIt: z.string().optional(),
});
export type LearnCard = z.infer<typeof LearnCard>;

/** The Learn part of the contract's call table (spread into `calls` of api.ts). */
export const learnCalls = {
  /** The Learn panel's cards, one per concept. */
  'learn.cards': {
    input: Empty,
    output: z.array(LearnCard),
    doc: 'The Learn cards that explain each concept of ports.',
  },
} as const satisfies Record<string, CallSpec>;
