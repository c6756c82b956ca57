// Headless Chromium for the HTML report's tests: find the binary, dump a page's DOM after load, and
// take a full-page screenshot together with the boxes of chosen elements, over the DevTools
// protocol on a pipe (--remote-debugging-pipe: no port, no page script; boxes come from the
// layout, so the pixel checks look exactly where each chart was drawn).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

/** The Chromium binary: `$CHROMIUM_BIN`, or `chromium` / `chromium-browser` / `google-chrome` on the PATH. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_BIN;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {}
  }
  return undefined;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  '--no-first-run',
  '--mute-audio',
];

function withProfile<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-chromium-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
}

/** The serialized DOM of `file` after its load event (`--dump-dom`). */
export function dumpDom(chromium: string, file: string): Promise<string> {
  return withProfile(
    (profile) =>
      new Promise((resolve, reject) => {
        const child = spawn(
          chromium,
          [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0 && out) resolve(out);
          else reject(new Error(`chromium --dump-dom exited with ${code}: ${err.slice(-2000)}`));
        });
      }),
  );
}

/** A rectangle in CSS pixels (= screenshot pixels at scale 1), relative to the page's top left. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A full-page screenshot and the boxes of the elements matched by `selector` (with one attribute's value each). */
export interface Capture {
  png: Buffer;
  boxes: (Box & { attribute: string | undefined })[];
}

/**
 * Loads `file` at `width` CSS pixels, then returns a PNG of the whole page and the border box of
 * every element matching `selector`, with the value of `attribute` on each.
 */
export function capture(
  chromium: string,
  file: string,
  options: { width: number; selector: string; attribute: string },
): Promise<Capture> {
  return withProfile(async (profile) => {
    const child = spawn(
      chromium,
      [...FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const cdp = new Cdp(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
      const send = (method: string, params: object = {}) => cdp.send(method, params, sessionId);
      await send('Emulation.setDeviceMetricsOverride', {
        width: options.width,
        height: 900,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await send('Page.enable');
      const loaded = cdp.once('Page.loadEventFired', sessionId);
      await send('Page.navigate', { url: pathToFileURL(file).href });
      await loaded;
      const { root } = await send('DOM.getDocument', { depth: 0 });
      const { nodeIds } = await send('DOM.querySelectorAll', {
        nodeId: root.nodeId,
        selector: options.selector,
      });
      const boxes: Capture['boxes'] = [];
      for (const nodeId of nodeIds as number[]) {
        const { model } = await send('DOM.getBoxModel', { nodeId });
        const { attributes } = await send('DOM.getAttributes', { nodeId });
        const i = (attributes as string[]).indexOf(options.attribute);
        const [x1, y1, x2, , , y3] = model.border as number[];
        boxes.push({
          x: x1!,
          y: y1!,
          width: x2! - x1!,
          height: y3! - y1!,
          attribute: i >= 0 ? attributes[i + 1] : undefined,
        });
      }
      const { cssContentSize } = await send('Page.getLayoutMetrics');
      const { data } = await send('Page.captureScreenshot', {
        format: 'png',
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: options.width, height: Math.ceil(cssContentSize.height), scale: 1 },
      });
      await cdp.send('Browser.close').catch(() => {});
      return { png: Buffer.from(data, 'base64'), boxes };
    } finally {
      // The profile folder is removed after the browser has exited and stopped writing to it.
      const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      if (child.exitCode === null && child.signalCode === null) await exited;
      clearTimeout(killer);
      clearTimeout(timer);
    }
  });
}

/** A DevTools protocol client over Chromium's pipe: NUL-terminated JSON on fds 3 (in) and 4 (out). */
class Cdp {
  private id = 0;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private listeners: { method: string; sessionId: string | undefined; resolve: (v: any) => void }[] = [];
  private buffer = '';
  private readonly input: Writable;

  constructor(child: ChildProcess) {
    this.input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited with ${code}`));
      this.pending.clear();
    });
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = ++this.id;
    this.input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  once(method: string, sessionId?: string): Promise<any> {
    return new Promise((resolve) => this.listeners.push({ method, sessionId, resolve }));
  }

  private dispatch(message: any): void {
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) p?.reject(new Error(`${message.error.message} (${message.error.code})`));
      else p?.resolve(message.result);
      return;
    }
    this.listeners = this.listeners.filter((l) => {
      if (l.method !== message.method || (l.sessionId && l.sessionId !== message.sessionId)) return true;
      l.resolve(message.params);
      return false;
    });
  }
}
