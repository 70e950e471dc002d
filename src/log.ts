// Structured JSON logs (pino) on stderr, so stdout stays free for a command's one JSON summary.
// Every line carries time, level, component and details. An error is logged once, where it is handled.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const root: Logger = pino(
  {
    level: process.env.LAKEHOUSE_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'lakehouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  pino.destination({ fd: 2, sync: true }),
);

export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}
