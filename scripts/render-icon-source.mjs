// Renders assets/icons/icon.svg to the 1024 px source the icon build starts from
// (assets/icons/icon-1024.png), with the system Chromium through playwright-core. Run it after
// changing the SVG: `node scripts/render-icon-source.mjs [path-to-chromium]`. The result is
// committed, so builds need no browser.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';

const svg = readFileSync(new URL('../assets/icons/icon.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({ executablePath: process.argv[2] ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 }, deviceScaleFactor: 1 });
  const sized = svg.replace(/<svg([^>]*?)width="512" height="512"/, '<svg$1width="1024" height="1024"');
  await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${sized}`);
  const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: 1024, height: 1024 } });
  writeFileSync(new URL('../assets/icons/icon-1024.png', import.meta.url), png);
} finally {
  await browser.close();
}
