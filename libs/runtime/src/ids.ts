import { randomUUID } from 'node:crypto';

/** The clock and id source services hand to domain code (domain code never reads them itself). */
export const systemClock = { now: (): string => new Date().toISOString() };
export const newId = (): string => randomUUID();
