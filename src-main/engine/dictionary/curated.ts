/**
 * The project's own curated port data (assets/ports): unofficial uses and security notes, each
 * with its source. Files are validated when loaded so that a bad edit fails loudly, naming the entry.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { PortNumber, SecurityNote, UnofficialUse } from '../../contract/dictionary.js';

/** An entry of assets/ports/unofficial.json. */
export const UnofficialEntry = UnofficialUse.extend({ port: PortNumber });
export type UnofficialEntry = z.infer<typeof UnofficialEntry>;

/** An entry of assets/ports/security.json. */
export const SecurityEntry = SecurityNote.extend({ port: PortNumber });
export type SecurityEntry = z.infer<typeof SecurityEntry>;

/** The curated tables, as loaded from assets/. */
export interface CuratedData {
  unofficial: UnofficialEntry[];
  security: SecurityEntry[];
}

async function readTable<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read curated port data ${file}: ${(err as Error).message}`);
  }
  const parsed = z.array(schema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Curated port data ${file} is invalid at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Loads and validates assets/ports/unofficial.json and security.json. */
export async function loadCurated(assetsDir: string): Promise<CuratedData> {
  const dir = path.join(assetsDir, 'ports');
  const [unofficial, security] = await Promise.all([
    readTable(path.join(dir, 'unofficial.json'), UnofficialEntry),
    readTable(path.join(dir, 'security.json'), SecurityEntry),
  ]);
  return { unofficial, security };
}
