import { describe, expect, it } from 'vitest';
import { browserHint, openInBrowser } from '../../../src-main/cli/commands/serve.js';
import viteConfig from '../../../vite.config.js';

const URL_ = 'http://127.0.0.1:4000/?token=abc';

describe('portolan serve: what it prints', () => {
  it('says "open this URL" plainly whether the browser opened, could not be opened, or was not tried', () => {
    for (const outcome of ['opened', 'failed', 'not-tried'] as const) {
      const text = browserHint(outcome, URL_);
      expect(text).toMatch(/open this URL in a browser:/i);
      expect(text).toContain(`    ${URL_}\n`);
    }
    expect(browserHint('failed', URL_)).toMatch(/^No browser could be opened here\./);
  });

  it('knows when no browser could be opened: a missing opener, or one that fails', async () => {
    expect(await openInBrowser(URL_, '/nonexistent/xdg-open')).toBe(false);
    expect(await openInBrowser(URL_, 'false')).toBe(false);
    expect(await openInBrowser(URL_, 'true')).toBe(true);
  });

  it("builds the renderer without Rolldown's [PLUGIN_TIMINGS] report, which printed before the URL", () => {
    const config = viteConfig as { build?: { rolldownOptions?: { checks?: { bundlerTimings?: boolean; pluginTimings?: boolean } } } };
    expect(config.build?.rolldownOptions?.checks?.bundlerTimings).toBe(false);
  });
});
