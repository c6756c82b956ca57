import { tracked } from './context.js';
import { toBeFasterThan } from './to-be-faster-than.js';
import { toMatchPerformanceBaseline } from './to-match-baseline.js';
import { toScale } from './to-scale.js';
import { toStayWithin } from './to-stay-within.js';

/** Every headroom matcher, ready for `expect.extend()`. The runner entries register them. */
export const matchers = {
  toStayWithin: tracked(toStayWithin),
  toBeFasterThan: tracked(toBeFasterThan),
  toScale: tracked(toScale),
  toMatchPerformanceBaseline: tracked(toMatchPerformanceBaseline),
};
