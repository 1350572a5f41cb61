/** Builds a real app for tests, with the project's assets and a throwaway data folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp, type AppOptions, type PortolanApp } from '../../src-main/app/create-app.js';

/** The repository's assets folder. */
export const ASSETS_DIR = path.resolve(import.meta.dirname, '..', '..', 'assets');

/** A real app and the temporary folder it keeps settings in; call dispose() when done. */
export async function testApp(transport: 'web' | 'direct' = 'direct', extra: Partial<AppOptions> = {}): Promise<{ app: PortolanApp; dataDir: string; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-test-'));
  const app = await createApp({ assetsDir: ASSETS_DIR, dataDir, transport, heartbeatMs: 0, ...extra });
  return {
    app,
    dataDir,
    async dispose() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
