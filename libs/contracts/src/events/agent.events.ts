import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { AgentResourcesSchema, AllocatedVolumeSchema, ScalarResourcesSchema } from '../task-info';

/** Events of `<ns>.evt.agent.<agentId>`: registration and the reservation ledger (expected-sequence guarded). */

export const AgentRegistered = defineEvent(
  'AgentRegistered',
  1,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      hostname: Type.String({ minLength: 1 }),
      /** Free-form attributes (rack, any key); zone and region are also here when set. */
      attributes: Type.Record(Type.String(), Type.String()),
      zone: Type.Optional(Type.String({ minLength: 1 })),
      region: Type.Optional(Type.String({ minLength: 1 })),
      resources: AgentResourcesSchema,
    },
    { additionalProperties: false },
  ),
);

export const ResourcesReserved = defineEvent(
  'ResourcesReserved',
  1,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      reservationId: Type.String({ minLength: 1 }),
      service: Type.String({ minLength: 1 }),
      podType: Type.String({ minLength: 1 }),
      podIndex: Type.Integer({ minimum: 0 }),
      resources: ScalarResourcesSchema,
      ports: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
      volumes: Type.Array(AllocatedVolumeSchema),
    },
    { additionalProperties: false },
  ),
);

/** One pod instance's reservation inside a {@link ResourcesReservedBatch}: a ResourcesReserved without the agent. */
export const BatchedReservationSchema = Type.Object(
  {
    reservationId: Type.String({ minLength: 1 }),
    service: Type.String({ minLength: 1 }),
    podType: Type.String({ minLength: 1 }),
    podIndex: Type.Integer({ minimum: 0 }),
    resources: ScalarResourcesSchema,
    ports: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
    volumes: Type.Array(AllocatedVolumeSchema),
  },
  { additionalProperties: false },
);
export type BatchedReservation = Static<typeof BatchedReservationSchema>;

/**
 * Several reservations committed on one agent at once, under one expected-sequence check: what one batched
 * evaluation proposed for that agent. Folds exactly like one ResourcesReserved per entry, in order.
 */
export const ResourcesReservedBatch = defineEvent(
  'ResourcesReservedBatch',
  1,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      reservations: Type.Array(BatchedReservationSchema, { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
);

export const ResourcesReleased = defineEvent(
  'ResourcesReleased',
  1,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      reservationId: Type.String({ minLength: 1 }),
      service: Type.String({ minLength: 1 }),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
);

/** Version 1 of AgentLost, still found in logs written before `reason` existed; upcast to version 2 on read. */
export const AgentLostV1 = defineEvent(
  'AgentLost',
  1,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      lastSeen: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** The only cause version 1 knew: the agent stopped sending heartbeats. */
export const AGENT_LOST_V1_REASON = 'no heartbeat within the agent timeout';

export const AgentLost = defineEvent(
  'AgentLost',
  2,
  Type.Object(
    {
      agentId: Type.String({ minLength: 1 }),
      lastSeen: Type.String({ format: 'date-time' }),
      /** Why the agent is considered lost, in words (v2; v1 events read as AGENT_LOST_V1_REASON). */
      reason: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
);
