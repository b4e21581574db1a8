// Debian's Chromium driven by playwright-core (never a downloaded browser), for the dashboard's
// end-to-end tests: headless, no network of its own, a fresh profile each time.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The reason to skip a browser test, or false when Chromium is installed. */
export const browserSkip: string | false = existsSync(CHROMIUM) ? false : `needs ${CHROMIUM} (apt-get install chromium)`;

export interface TestBrowser {
  context: BrowserContext;
  /** Every body the pages were sent (but the event streams, which never end), with their URLs. */
  bodies: Array<{ url: string; status: number; body: string }>;
  page(): Promise<Page>;
  /** Resolves once every body seen so far is read into `bodies`. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'dozen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const bodies: TestBrowser['bodies'] = [];
  const pending = new Set<Promise<void>>();
  context.on('response', (response) => {
    if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    const read = response
      .text()
      .then((body) => void bodies.push({ url: response.url(), status: response.status(), body }))
      .catch(() => undefined) // a redirect has no body
      .finally(() => pending.delete(read));
    pending.add(read);
  });
  return {
    context,
    bodies,
    page: () => context.newPage(),
    settle: async () => void (await Promise.all(pending)),
    async close() {
      await Promise.all(pending);
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
