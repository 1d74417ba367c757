import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit, writeDrillReport } from '../../src/drills/report/index.js';
import { buildDrillResult } from '../../src/drills/result.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable } from './chromium.js';
import { poolExhaustionFacts } from './helpers.js';

const available = chromiumAvailable('drill report render');

describe.skipIf(!available)('report.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-drill-render-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the chart, the markers and the persona swimlanes, loading nothing from outside the file', async () => {
    const files = await writeDrillReport(buildDrillResult(poolExhaustionFacts()), dir);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const external: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith('file:')) external.push(url);
      return url.startsWith('file:') ? route.continue() : route.abort();
    });
    await page.goto(pathToFileURL(files.html).href);

    const chart = await page.locator('#health-chart').boundingBox();
    expect(chart!.width).toBeGreaterThan(800);
    expect(chart!.height).toBeGreaterThan(200);
    // The two series are drawn as real lines of non-trivial length.
    for (const cls of ['series-error-rate', 'series-p95']) {
      const length = await page.locator(`path.${cls}`).evaluate((p) => (p as unknown as { getTotalLength(): number }).getTotalLength());
      expect(length, cls).toBeGreaterThan(100);
    }
    const kinds = await page.locator('#health-chart g.marker').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-kind')));
    expect(kinds).toEqual(['fault', 'alert', 'pr', 'merge', 'deploy', 'recovery']);
    for (const g of await page.locator('#health-chart g.marker line').all()) expect((await g.boundingBox())!.height).toBeGreaterThan(100);

    const timeline = await page.locator('#persona-timeline').boundingBox();
    expect(timeline!.width).toBeGreaterThan(800);
    expect(timeline!.height).toBeGreaterThan(100);
    const lanes = await page.locator('#persona-timeline g.lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane')));
    expect(lanes).toEqual(['workflow', 'observability', 'backend', 'devops']);
    expect(await page.locator('#persona-timeline g.entry').count()).toBe(poolExhaustionFacts().record!.timeline.length);
    for (const span of await page.locator('#persona-timeline rect.lane-span').all()) expect((await span.boundingBox())!.width).toBeGreaterThan(1);

    // Later entries sit further right: the swimlane shares the chart's time axis.
    const xs = await page.locator('#persona-timeline g[data-lane="backend"] g.entry').evaluateAll((gs) => gs.map((g) => g.getBoundingClientRect().x));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));

    expect(await page.locator('#score-table tr').count()).toBe(13);
    expect(await page.locator('#verdict').textContent()).toBe('PASS');
    expect(await page.locator('#model').textContent()).toBe('model: playbook (no LLM)');
    expect(external).toEqual([]);

    // FIREBREAK_ARTIFACTS_DIR keeps the screenshot (CI uploads it); otherwise it goes with the temp dir.
    const shot = join(process.env.FIREBREAK_ARTIFACTS_DIR ?? dir, 'drill-report.png');
    await mkdir(join(shot, '..'), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    await page.close();
  }, 30_000);

  it('produces JUnit XML that a real XML parser accepts', async () => {
    const f = poolExhaustionFacts();
    const bad = poolExhaustionFacts();
    bad.plan.name = 'bad & <odd> "name"';
    bad.record!.outputs = {};
    const xml = renderJunit([buildDrillResult(f), buildDrillResult(bad)]);
    const page = await browser.newPage();
    const parsed = await page.evaluate((text) => {
      // Runs in the page; this project's tsconfig has no DOM lib, hence the minimal local typing.
      type El = { getAttribute(n: string): string | null; querySelector(s: string): El | null; textContent: string | null };
      type Doc = { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El> };
      const Parser = (globalThis as unknown as { DOMParser: new () => { parseFromString(t: string, type: string): Doc } }).DOMParser;
      const doc = new Parser().parseFromString(text, 'application/xml');
      const error = doc.querySelector('parsererror');
      return {
        error: error?.textContent ?? null,
        cases: [...doc.querySelectorAll('testcase')].map((c) => ({ name: c.getAttribute('name'), failure: c.querySelector('failure')?.getAttribute('message') ?? null })),
      };
    }, xml);
    expect(parsed.error).toBeNull();
    expect(parsed.cases).toEqual([
      { name: 'pool-exhaustion', failure: null },
      { name: 'bad & <odd> "name"', failure: "not localized: no component in the personas' structured output" },
    ]);
    await page.close();
  });
});
