import type { Session } from 'node:inspector';
import { SourceMap } from 'node:module';

/**
 * Maps positions reported by the inspector (profiles) back to the sources users wrote. Test
 * runners transform TypeScript before running it and attach an inline source map; error stacks are
 * mapped by the runner, but the inspector reports positions in the transformed code. The
 * debugger's `scriptParsed` events name each script's source map, which is read here.
 */
export class SourceMapper {
  readonly #maps = new Map<string, SourceMap | null>();
  readonly #urls = new Map<string, string>();

  /** Starts collecting scripts; call before `Debugger.enable`, which replays every loaded script. */
  listen(session: Session): void {
    session.on('Debugger.scriptParsed', (message) => {
      const { scriptId, url, sourceMapURL } = message.params as {
        scriptId: string;
        url: string;
        sourceMapURL?: string;
      };
      if (sourceMapURL?.startsWith('data:')) this.#urls.set(scriptId, sourceMapURL);
      if (url && sourceMapURL?.startsWith('data:')) this.#urls.set(url, sourceMapURL);
    });
  }

  #map(key: string): SourceMap | null {
    if (this.#maps.has(key)) return this.#maps.get(key) ?? null;
    let map: SourceMap | null = null;
    const url = this.#urls.get(key);
    if (url) {
      try {
        const base64 = url.slice(url.indexOf(',') + 1);
        const json = url.includes(';base64,')
          ? Buffer.from(base64, 'base64').toString('utf8')
          : decodeURIComponent(base64);
        map = new SourceMap(JSON.parse(json));
      } catch {
        map = null;
      }
    }
    this.#maps.set(key, map);
    return map;
  }

  /**
   * The original position of a 0-based line and column in a script, as 1-based `line`, `column`
   * and the original file, or the generated position when the script has no source map.
   */
  original(
    scriptIdOrUrl: string,
    url: string,
    line: number,
    column: number,
  ): { url: string; line: number; column: number } {
    const map = this.#map(scriptIdOrUrl);
    const entry = map?.findEntry(line, column) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (entry && typeof entry.originalLine === 'number' && entry.originalSource) {
      const source =
        entry.originalSource.startsWith('/') || entry.originalSource.startsWith('file:')
          ? entry.originalSource
          : url;
      return { url: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
    }
    return { url, line: line + 1, column: column + 1 };
  }
}
