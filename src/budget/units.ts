import { HeadroomError, show } from '../errors.js';

/** A time: a number of milliseconds, or a string such as `'250us'`, `'20ms'`, `'1.5s'`. */
export type TimeLimit = number | `${number}${TimeUnit}` | `${number} ${TimeUnit}`;
/** Units accepted in time strings. */
export type TimeUnit = 'ns' | 'us' | 'µs' | 'μs' | 'ms' | 's' | 'm' | 'min';

/** Bytes: a number of bytes, or a string such as `'512B'`, `'64kB'`, `'2MB'`, `'1MiB'`. */
export type ByteLimit = number | `${number}${ByteUnit}` | `${number} ${ByteUnit}`;
/** Units accepted in byte strings: decimal (kB = 1000 B) and binary (KiB = 1024 B). */
export type ByteUnit = 'B' | 'kB' | 'KB' | 'MB' | 'GB' | 'KiB' | 'MiB' | 'GiB';

const TIME_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
};

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const QUANTITY = /^\s*(\d+(?:\.\d+)?|\.\d+)(?:e([+-]?\d+))?\s*([a-zA-Zµμ]+)\s*$/;

function invalidLimit(key: string, value: unknown, kind: string, example: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_INVALID_LIMIT',
    `Failed to read the budget: \`${key}\` is ${show(value)}, which is not a valid ${kind}. ` +
      `Please give a finite number >= 0 or a string such as ${example}.`,
  );
}

function checkNumber(key: string, value: number, kind: string, example: string): number {
  if (!Number.isFinite(value) || value < 0) throw invalidLimit(key, value, kind, example);
  return value;
}

/**
 * Parses a time limit into milliseconds.
 *
 * @example parseTime('duration', '1.5s') // 1500
 */
export function parseTime(key: string, value: unknown): number {
  const example = `'250us', '20ms' or '1.5s'`;
  if (typeof value === 'number') return checkNumber(key, value, 'time', example);
  if (typeof value !== 'string') throw invalidLimit(key, value, 'time', example);
  const match = QUANTITY.exec(value);
  if (!match) {
    if (/^\s*-/.test(value)) throw invalidLimit(key, value, 'time', example);
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_UNIT',
      `Failed to read the budget: \`${key}\` is ${show(value)}, which is not a time. ` +
        `Please write a number with a unit (ns, us, ms, s, min), such as ${example}.`,
    );
  }
  const [, digits, exponent, unit] = match;
  const factor = TIME_UNITS[unit ?? ''];
  if (factor === undefined) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_UNIT',
      `Failed to read the budget: \`${key}\` is ${show(value)}, and "${unit}" is not a time unit. ` +
        `Please use one of ns, us, ms, s, min, such as ${example}.`,
    );
  }
  return checkNumber(key, Number(digits) * 10 ** Number(exponent ?? 0) * factor, 'time', example);
}

/**
 * Parses a byte limit into bytes. `kB`/`MB`/`GB` are decimal; `KiB`/`MiB`/`GiB` are binary.
 *
 * @example parseBytes('allocated', '2MB') // 2000000
 */
export function parseBytes(key: string, value: unknown): number {
  const example = `'512B', '64kB', '2MB' or '1MiB'`;
  if (typeof value === 'number') return checkNumber(key, value, 'byte size', example);
  if (typeof value !== 'string') throw invalidLimit(key, value, 'byte size', example);
  const match = QUANTITY.exec(value);
  if (!match) {
    if (/^\s*-/.test(value)) throw invalidLimit(key, value, 'byte size', example);
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_UNIT',
      `Failed to read the budget: \`${key}\` is ${show(value)}, which is not a byte size. ` +
        `Please write a number with a unit (B, kB, MB, GB, KiB, MiB, GiB), such as ${example}.`,
    );
  }
  const [, digits, exponent, unit] = match;
  const factor = BYTE_UNITS[(unit ?? '').toLowerCase()];
  if (factor === undefined) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_UNIT',
      `Failed to read the budget: \`${key}\` is ${show(value)}, and "${unit}" is not a byte unit. ` +
        `Please use one of B, kB, MB, GB, KiB, MiB, GiB, such as ${example}.`,
    );
  }
  return checkNumber(key, Number(digits) * 10 ** Number(exponent ?? 0) * factor, 'byte size', example);
}

/**
 * Parses a count limit (a whole number >= 0).
 *
 * @example parseCount('queries', 2) // 2
 */
export function parseCount(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_LIMIT',
      `Failed to read the budget: \`${key}\` is ${show(value)}, which is not a count. ` +
        `Please give a whole number >= 0, such as \`${key}: 2\`.`,
    );
  }
  return value;
}
