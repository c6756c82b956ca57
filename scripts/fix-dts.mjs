// tsup's declaration bundler drops type-only side-effect imports. The runner entries augment
// 'vitest' and 'expect'; TypeScript resolves an augmentation reliably only when the file also
// imports the module it augments, so put the import back.
import { readFileSync, writeFileSync } from 'node:fs';

const fixes = { vitest: 'vitest', jest: 'expect' };
for (const [entry, module] of Object.entries(fixes)) {
  for (const ext of ['d.ts', 'd.cts']) {
    const file = new URL(`../dist/${entry}.${ext}`, import.meta.url);
    const text = readFileSync(file, 'utf8');
    const line = `import type {} from '${module}';\n`;
    if (!text.includes(line)) writeFileSync(file, line + text);
  }
}
