/** Loads the Learn cards (assets/learn/cards.json), validated against the contract's schema. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { ConceptId, LearnCard } from '../contract/learn.js';

/** Reads and checks the cards: one per concept, no concept missing. */
export async function loadLearnCards(assetsDir: string): Promise<LearnCard[]> {
  const file = path.join(assetsDir, 'learn', 'cards.json');
  const cards = z.array(LearnCard).parse(JSON.parse(await readFile(file, 'utf8')));
  const missing = ConceptId.options.filter((id) => !cards.some((c) => c.id === id));
  if (missing.length > 0) throw new Error(`${file} has no card for: ${missing.join(', ')}`);
  return cards;
}
