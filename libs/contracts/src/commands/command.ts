import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { CommandName } from '../subjects';

/** Metadata every command carries: its id (idempotency key and `Nats-Msg-Id` of what it appends), who, and why. */
export const CommandMetaSchema = Type.Object(
  {
    commandId: Type.String({ minLength: 1 }),
    actor: Type.String({ minLength: 1 }),
    correlationId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type CommandMeta = Static<typeof CommandMetaSchema>;

export interface CommandDefinition<N extends CommandName = CommandName, Q extends TSchema = TSchema, R extends TSchema = TSchema> {
  name: N;
  request: Q;
  reply: R;
}

export function defineCommand<N extends CommandName, Q extends TSchema, R extends TSchema>(
  name: N,
  request: Q,
  reply: R,
): CommandDefinition<N, Q, R> {
  return { name, request, reply };
}

/** A reply: the result, or a domain error. Replies to mutating commands carry the log sequence they produced. */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details: { path: string; message: string }[] } };

export const ErrorReplySchema = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
  },
  { additionalProperties: false },
);
