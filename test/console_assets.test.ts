// The committed bundle (console_assets.generated.ts) is what scripts/build_console.ts makes from the
// sources in ui/: a change to the page without `npm run build:console` fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ASSETS_FILE, renderConsoleAssets } from '../scripts/build_console.ts';
import { CONSOLE_ASSETS } from '../gateway/console/console_assets.generated.ts';

describe('console assets', () => {
  it('match what the build script makes from gateway/console/ui', async () => {
    expect(readFileSync(CONSOLE_ASSETS_FILE, 'utf8')).toBe(await renderConsoleAssets());
  });

  it('load nothing from another origin and run no inline script', () => {
    for (const text of Object.values(CONSOLE_ASSETS)) expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(CONSOLE_ASSETS.consoleHtml).toMatch(/<script type="module" src="\/console\/app.js"><\/script>/);
    expect(CONSOLE_ASSETS.consoleHtml.match(/<script/g)).toHaveLength(1);
    expect(CONSOLE_ASSETS.loginHtml).not.toContain('<script');
    expect(CONSOLE_ASSETS.appJs.length).toBeLessThan(64 * 1024);
  });
});
