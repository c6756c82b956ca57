import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { didYouMean, ERROR_CODES, editDistance, HeadroomError } from '../../src/errors.js';

describe('error codes', () => {
  it('are documented in the README table, one row per code, with the same meaning', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes'));
    const rows = [...section.matchAll(/^\| `(HEADROOM_ERR_\w+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });

  it('are carried by HeadroomError with a stable code', () => {
    const e = new HeadroomError('HEADROOM_ERR_EMPTY_BUDGET', 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('HeadroomError');
    expect(e.message).toBe('x (HEADROOM_ERR_EMPTY_BUDGET)');
    expect(e.code).toBe('HEADROOM_ERR_EMPTY_BUDGET');
  });
});

describe('did you mean', () => {
  it('suggests close keys only', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('querys', ['queries', 'requests'])).toBe('queries');
    expect(didYouMean('alocated', ['allocated', 'retained'])).toBe('allocated');
    expect(didYouMean('banana', ['queries', 'requests'])).toBeUndefined();
  });
});
