// The setup file ('headroom/vitest' in vitest.config.ts) registers the matchers at run time; this
// import gives TypeScript their types (`toStayWithin` on vitest's `expect`).
import 'headroom/vitest';
