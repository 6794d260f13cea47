import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger as PinoLogger } from 'pino';

interface LogContext {
  correlationId?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with a correlation id every log line written inside it carries (across awaits). */
export function withCorrelation<T>(correlationId: string | undefined, fn: () => T): T {
  return context.run({ correlationId }, fn);
}

export type Logger = PinoLogger;

/** Structured JSON logs on stdout: one line per record, with service, instance and the current correlation id. */
export function createLogger(service: string, instance: string, level: string): Logger {
  return pino({
    level,
    base: { service, instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const c = context.getStore();
      return c?.correlationId ? { correlationId: c.correlationId } : {};
    },
    serializers: { err: pino.stdSerializers.err },
  });
}
