import type { systemClock } from '@marshal/runtime';

/** The coordinator's one clock (`systemClock` of `@marshal/runtime` in the service): every time it uses comes from it. */
export type Clock = typeof systemClock;
export const CLOCK = Symbol('coordinator clock');
