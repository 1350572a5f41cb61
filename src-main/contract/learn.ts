/** Schemas of the Learn panel: short cards that explain each concept of ports. */
import * as z from 'zod';

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
