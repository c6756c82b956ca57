import { Session } from 'node:inspector';
import { userFrame } from '../measure/recorder.js';
import { SourceMapper } from './source-maps.js';

/** A function that allocated on an explaining re-run. */
export interface AllocationSite {
  functionName: string;
  /** `file:line:column`, relative to the working directory. */
  location: string;
  /** Bytes attributed to it by the sampling heap profiler (an estimate, about ±1% at this interval). */
  bytes: number;
}

interface ProfileNode {
  callFrame: {
    functionName: string;
    scriptId: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  selfSize: number;
  children?: ProfileNode[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * Re-runs one call under the inspector's sampling heap profiler (objects collected by minor and
 * major GCs included) and returns the functions that allocated most, user code first. A rich
 * probe, used only to explain a failed `allocated` budget.
 */
export async function explainAllocated(call: () => Promise<unknown>, top = 5): Promise<AllocationSite[]> {
  const session = new Session();
  session.connect();
  const sources = new SourceMapper();
  sources.listen(session);
  let head: ProfileNode | undefined;
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    try {
      await call();
    } finally {
      const { profile } = await post<{ profile: { head: ProfileNode } }>(
        session,
        'HeapProfiler.stopSampling',
      );
      await post(session, 'HeapProfiler.disable');
      head = profile.head;
    }
    // Only now, after sampling (with the debugger on, V8 allocates several times more): the
    // debugger replays every loaded script with its source map, to map positions back to what
    // users wrote.
    await post(session, 'Debugger.enable');
    await post(session, 'Debugger.disable');
  } finally {
    session.disconnect();
  }
  const sites = new Map<string, AllocationSite>();
  const walk = (node: ProfileNode, userSite: AllocationSite | undefined) => {
    const f = node.callFrame;
    const at = f.url ? sources.original(f.scriptId, f.url, f.lineNumber, f.columnNumber) : undefined;
    const location = at
      ? userFrame(`x\n    at ${f.functionName || '<anonymous>'} (${at.url}:${at.line}:${at.column})`)
      : undefined;
    let site = userSite;
    if (location) {
      const key = `${f.functionName}@${location}`;
      site = sites.get(key);
      if (!site) {
        site = { functionName: f.functionName || '(anonymous)', location, bytes: 0 };
        sites.set(key, site);
      }
    }
    // Bytes allocated by library or built-in frames count to the nearest user frame above them.
    if (site) site.bytes += node.selfSize;
    for (const child of node.children ?? []) walk(child, site);
  };
  if (head) walk(head, undefined);
  return [...sites.values()]
    .filter((s) => s.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
