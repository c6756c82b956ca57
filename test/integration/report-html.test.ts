// The HTML report in a real browser: headless Chromium loads the fixture report from a file, the
// charts are found by their layout boxes and checked pixel by pixel in a screenshot, and the DOM
// after load shows that the hostile query and test name stayed text (with and without the CSP).
// Skipped, with a warning, where no Chromium is installed (CI installs Debian's `chromium`, and
// fails this file without it).
// HEADROOM_UPDATE_SCREENSHOT=1 also writes docs/report.png, the README's picture
// (HEADROOM_SCREENSHOT_HEIGHT: its height in pixels, 1300 by default).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { type Box, capture, dumpDom, findChromium } from '../support/chromium.js';
import { crop, decodePng, encodePng, type Image } from '../support/png.js';
import { HOSTILE_QUERY, HOSTILE_TEST, reportFixture } from '../support/report-fixture.js';

const chromium = findChromium();
if (!chromium) {
  console.warn(
    'report-html: no Chromium found (chromium, chromium-browser, google-chrome, or $CHROMIUM_BIN): ' +
      'the browser checks of the HTML report are skipped. Install it with `apt-get install chromium`.',
  );
}

const dir = mkdtempSync(join(tmpdir(), 'headroom-report-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { report, history } = reportFixture();
const html = renderHtml(report, history);
const page = join(dir, 'headroom-report.html');
writeFileSync(page, html);

/** What is drawn inside a box: the share of non-white pixels, distinct colours, and pixels near given colours. */
function ink(image: Image, box: Box, colors: string[] = []) {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const targets = colors.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)));
  const near = colors.map(() => 0);
  const distinct = new Set<number>();
  let inked = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const at = (y * image.width + x) * 4;
      const [r, g, b] = [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
      if (Math.max(255 - r, 255 - g, 255 - b) > 24) inked++;
      distinct.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
      targets.forEach(([tr, tg, tb], i) => {
        if (Math.abs(r - tr!) + Math.abs(g - tg!) + Math.abs(b - tb!) < 30) near[i]!++;
      });
    }
  }
  const area = Math.max(1, (x1 - x0) * (y1 - y0));
  return { share: inked / area, colors: distinct.size, near };
}

/** Text as the DOM serializer writes it (it escapes & < > in text nodes, not quotes). */
function serialized(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// CI (.ci/run) installs Chromium and sets HEADROOM_REQUIRE_CHROMIUM=1: there, a missing browser fails.
it.runIf(!chromium && process.env.HEADROOM_REQUIRE_CHROMIUM)(
  'Chromium is installed (HEADROOM_REQUIRE_CHROMIUM)',
  () => {
    expect.fail(
      'HEADROOM_REQUIRE_CHROMIUM is set but no Chromium was found: install it with `apt-get install chromium`',
    );
  },
);

describe.skipIf(!chromium)('HTML report in headless Chromium', () => {
  let shot: Image;
  let boxes: Awaited<ReturnType<typeof capture>>['boxes'];
  let elapsedMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    const result = await capture(chromium!, page, {
      width: 1280,
      selector: 'svg[data-chart]',
      attribute: 'data-chart',
    });
    elapsedMs = performance.now() - started;
    shot = decodePng(result.png);
    boxes = result.boxes;
  });

  it.runIf(process.env.HEADROOM_UPDATE_SCREENSHOT)(
    'writes docs/report.png (the fixture without its hostile test)',
    async () => {
      const clean = reportFixture({ hostile: false });
      const file = join(dir, 'docs.html');
      writeFileSync(file, renderHtml(clean.report, clean.history));
      const result = await capture(chromium!, file, {
        width: 1280,
        selector: 'svg',
        attribute: 'data-chart',
      });
      const height = Number(process.env.HEADROOM_SCREENSHOT_HEIGHT ?? 1300);
      const png = encodePng(crop(decodePng(result.png), 0, 0, 1280, height));
      writeFileSync(fileURLToPath(new URL('../../docs/report.png', import.meta.url)), png);
      expect(png.length).toBeLessThan(300_000);
    },
  );

  it('lays out every chart with a real size, in one page 1280 px wide', () => {
    expect(shot.width).toBe(1280);
    const kinds = boxes.map((b) => b.attribute);
    expect(kinds.filter((k) => k === 'headroom')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'scale')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'waterfall')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'history').length).toBeGreaterThanOrEqual(10);
    for (const b of boxes) {
      expect(b.width, b.attribute).toBeGreaterThan(100);
      expect(b.height, b.attribute).toBeGreaterThan(20);
      expect(b.y + b.height, 'inside the screenshot').toBeLessThanOrEqual(shot.height);
    }
    expect(elapsedMs, 'one Chromium run').toBeLessThan(20_000);
  });

  it('paints every chart: ink, several colours, and the status colours where they belong', () => {
    for (const b of boxes) {
      const seen = ink(shot, b);
      expect(seen.share, `${b.attribute} at ${Math.round(b.y)}`).toBeGreaterThan(0.01);
      expect(seen.colors, `${b.attribute} at ${Math.round(b.y)}`).toBeGreaterThan(3);
    }
    const headroom = boxes.find((b) => b.attribute === 'headroom')!;
    // Red (over budget), amber (close to the edge), green (room left) bars.
    const [red, amber, green] = ink(shot, headroom, ['#cf222e', '#bf8700', '#1a7f37']).near;
    expect(red).toBeGreaterThan(500);
    expect(amber).toBeGreaterThan(200);
    expect(green).toBeGreaterThan(500);
    // The checkout's waterfall: queries and requests of the chain.
    const waterfalls = boxes.filter((b) => b.attribute === 'waterfall');
    const [query, request] = ink(shot, waterfalls[0]!, ['#0969da', '#8250df']).near;
    expect(query).toBeGreaterThan(100);
    expect(request).toBeGreaterThan(100);
    // The quadratic allocation curve is drawn in red, the passing ones in green.
    const scales = boxes.filter((b) => b.attribute === 'scale');
    expect(ink(shot, scales[1]!, ['#cf222e']).near[0]).toBeGreaterThan(30);
    expect(ink(shot, scales[0]!, ['#1a7f37']).near[0]).toBeGreaterThan(30);
  });

  it('the pixel check sees nothing in a blank area (it is not vacuous)', () => {
    const white: Image = { width: 100, height: 100, data: new Uint8Array(100 * 100 * 4).fill(255) };
    expect(ink(white, { x: 0, y: 0, width: 100, height: 100 }).share).toBe(0);
    // The page margin left of the cards is the page background, without ink.
    expect(ink(shot, { x: 0, y: 0, width: 20, height: shot.height }).share).toBe(0);
  });

  it('runs no script from the report: the hostile query and test name stay text (with the CSP, and without it)', async () => {
    const noCsp = join(dir, 'no-csp.html');
    writeFileSync(noCsp, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    // Control: the same markup, unescaped and without the CSP, does run in this browser.
    const control = join(dir, 'control.html');
    writeFileSync(
      control,
      `<!doctype html><html><head><title>control</title></head><body>${HOSTILE_QUERY}</body></html>`,
    );
    const started = performance.now();
    const [dom, domNoCsp, domControl] = await Promise.all(
      [page, noCsp, control].map((f) => dumpDom(chromium!, f)),
    );
    const elapsed = performance.now() - started;
    expect(domControl).toContain('<title>pwned</title>');
    expect(domControl).toContain('data-pwned="1"');
    for (const d of [dom, domNoCsp]) {
      expect(d).toMatch(/<title>headroom report — 2026-11-28T18:42:07.512Z<\/title>/);
      expect(d).not.toContain('pwned</title>');
      expect(d).not.toMatch(/data-pwned/);
      expect(d).not.toMatch(/<script/i);
      expect(d).not.toMatch(/<img/i);
      // The markup arrived as characters (the DOM serializer escapes & < > in text).
      expect(d).toContain(serialized(HOSTILE_QUERY));
      expect(d).toContain(serialized(HOSTILE_TEST));
    }
    expect(elapsed, 'three Chromium runs, in parallel').toBeLessThan(30_000);
  });
});
