import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The envelope every event travels in (DESIGN.md "Event log"). */
export const EnvelopeSchema = Type.Object(
  {
    /** uuid; also the `Nats-Msg-Id`, so a retried append is de-duplicated. */
    id: Type.String({ minLength: 1 }),
    type: Type.String({ minLength: 1 }),
    version: Type.Integer({ minimum: 1 }),
    /** `service:<name>` or `agent:<id>`. */
    aggregate: Type.String({ minLength: 1 }),
    /** ISO-8601 UTC, set by the producer. */
    at: Type.String({ format: 'date-time' }),
    /** The operator request or configuration that started the chain. */
    correlationId: Type.String({ minLength: 1 }),
    /** The event or command that directly caused this one; null for a chain's first event. */
    causationId: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** Who: a token subject (`operator:alice`) or a service (`service:plan-manager`). */
    actor: Type.String({ minLength: 1 }),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);

export interface EventEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  version: number;
  aggregate: string;
  at: string;
  correlationId: string;
  causationId: string | null;
  actor: string;
  data: D;
}

/** An event as read back from the log. */
export interface Recorded<E extends EventEnvelope = EventEnvelope> {
  /** Stream sequence: the global position in the log. */
  seq: number;
  subject: string;
  event: E;
}

export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  type: T;
  version: number;
  schema: S;
}

export function defineEvent<T extends string, S extends TSchema>(type: T, version: number, schema: S): EventDefinition<T, S> {
  return { type, version, schema };
}

export type DataOf<D> = D extends EventDefinition<string, infer S> ? Static<S> : never;

/** Metadata a producer supplies; `makeEvent` fills the rest. Ids and clocks are passed in, never read here. */
export interface EventMeta {
  id: string;
  at: string;
  correlationId: string;
  causationId: string | null;
  actor: string;
}

export const serviceAggregate = (service: string): string => `service:${service}`;
export const agentAggregate = (agentId: string): string => `agent:${agentId}`;
