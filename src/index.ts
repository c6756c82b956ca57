/**
 * headroom: performance contracts in the tests you already run. Register the matchers with
 * `import 'headroom/vitest'` or `'headroom/jest'`; this entry has the programmatic API.
 */
export { type JudgeOptions, judge } from './budget/judge.js';
export { type ParsedBudget, parseBudget } from './budget/parse.js';
export type { ByteLimit, ByteUnit, TimeLimit, TimeUnit } from './budget/units.js';
export { ERROR_CODES, HeadroomError, type HeadroomErrorCode } from './errors.js';
export { type Explanation, formatMessage, type MessageInput } from './format/message.js';
export { type AutoInstrumentResult, autoInstrument } from './instrument/auto.js';
export { instrumentHttp, uninstrumentHttp } from './instrument/http.js';
export type { MatcherContext, MatcherResult } from './matchers/context.js';
export { matchers } from './matchers/index.js';
export { type ContractResult, onResult } from './matchers/results.js';
export type { FasterOptions } from './matchers/to-be-faster-than.js';
export type { BaselineOptions } from './matchers/to-match-baseline.js';
export { GROWTH_CLASSES, type GrowthClass, type GrowthLimit, type ScaleSpec } from './matchers/to-scale.js';
export { isMeasurement } from './matchers/to-stay-within.js';
export type { HeadroomMatchers } from './matchers/types.js';
export { measure } from './measure/measure.js';
export { type EventHandle, isRecording, record } from './measure/recorder.js';
export { type ChromeTrace, type Trace, type TraceBlock, type TraceOptions, trace } from './measure/trace.js';
export type { BaselineMetric } from './report/baseline.js';
export type {
  Attribution,
  Budget,
  CustomEvent,
  EventInput,
  MeasureFnOptions,
  Measurement,
  MeasureOptions,
  MetricName,
  QueryBudget,
  QueryEvent,
  RecordedEvent,
  RequestBudget,
  RequestEvent,
  RetainedResult,
  TimeBudget,
  TimeStatistic,
  TimeStats,
  Verdict,
  VerdictStatus,
} from './types.js';
