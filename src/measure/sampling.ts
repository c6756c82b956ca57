/**
 * Adaptive stopping. While sampling, the engine looks at the data at a geometric schedule of
 * sample counts (16, 24, 36, …) and stops as soon as every time verdict is certain. Each look is
 * judged at alpha / MAX_LOOKS (Bonferroni), so that the error over all looks together stays
 * within 1 - confidence however many looks are taken.
 */
export const MAX_LOOKS = 24;

/**
 * True while another interim look is allowed: the interim looks and the final judgement together
 * never exceed MAX_LOOKS.
 */
export function mayLookAgain(looksTaken: number): boolean {
  return looksTaken < MAX_LOOKS - 1;
}

/** Fewest samples before the first look. */
export const FIRST_LOOK = 16;

/** The sample counts at which the engine looks at the data. */
export function nextLook(n: number): number {
  return n < FIRST_LOOK ? FIRST_LOOK : Math.ceil(n * 1.5);
}

/** The alpha each look is judged at. */
export function alphaPerLook(confidence: number, sequential: boolean): number {
  const alpha = 1 - confidence;
  return sequential ? alpha / MAX_LOOKS : alpha;
}

/** The most calls the engine makes while sampling times, whatever `maxTime` allows. */
export const MAX_SAMPLES = 1_000_000;
