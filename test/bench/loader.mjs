// A second process that keeps one core busy, for measurements "under load".
//
// Safety: the child is killed by the parent (stop(), process 'exit', SIGINT/SIGTERM, uncaught
// errors), and it also stops on its own after `maxMs` or as soon as its parent is gone, so that a
// crashed or SIGKILLed bench never leaves a spinning process behind.
import { spawn } from 'node:child_process';

const live = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  live.clear();
}

let hooked = false;
function hookProcess() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('uncaughtException', (error) => {
    killAll();
    console.error(error);
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    killAll();
    console.error(error);
    process.exit(1);
  });
}

/**
 * Starts a busy-loop child (`for(;;){}`, bounded). Resolves once the child is spinning.
 * Returns `{ pid, stop() }`; `stop()` kills it and waits for it to exit.
 */
export async function startLoader({ maxMs = 240_000 } = {}) {
  hookProcess();
  const code =
    `const end = Date.now() + ${maxMs}; const parent = ${process.pid};` +
    `process.stdout.write('spinning\\n');` +
    'for (let i = 0; ; i++) { if ((i & 0xfffff) === 0 && (Date.now() > end || process.ppid !== parent)) process.exit(0); }';
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  exited.then(() => live.delete(child));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`loader exited early (code ${code})`)));
  });
  // Let the scheduler settle with the busy child.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
}
