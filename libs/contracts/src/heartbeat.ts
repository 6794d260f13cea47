import { Type, type Static } from '@sinclair/typebox';

/**
 * What an agent process publishes on `<ns>.hb.<agentId>` (core NATS, not persisted) every heartbeat interval: the
 * agents it hosts that are alive. One message covers every simulated agent of a process.
 */
export const HeartbeatSchema = Type.Object(
  {
    agentIds: Type.Array(Type.String({ minLength: 1 })),
    at: Type.String(),
    /** Tasks the process runs now. */
    tasks: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatSchema>;

/** The agent ids a heartbeat vouches for; anything malformed vouches for none. */
export function heartbeatAgentIds(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const ids = (payload as { agentIds?: unknown }).agentIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

/**
 * The coordinator's answer to a heartbeat: the agents it names that the log holds lost (they missed heartbeats
 * before), which must register again to be offered again.
 */
export const HeartbeatReplySchema = Type.Object({ lost: Type.Array(Type.String({ minLength: 1 })) }, { additionalProperties: false });
export type HeartbeatReply = Static<typeof HeartbeatReplySchema>;
