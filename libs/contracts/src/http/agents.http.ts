import { Type, type Static } from '@sinclair/typebox';
import { AgentResourcesSchema, ScalarResourcesSchema } from '../task-info';

/** A reservation on an agent, as `GET /v1/agents` lists it. */
export const AgentReservationBody = Type.Object(
  {
    reservationId: Type.String(),
    service: Type.String(),
    podType: Type.String(),
    podIndex: Type.Integer({ minimum: 0 }),
    resources: ScalarResourcesSchema,
    ports: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
  },
  { additionalProperties: false },
);
export type AgentReservationBody = Static<typeof AgentReservationBody>;

/** One entry of `GET /v1/agents`: resources, attributes, whether it is lost, and its reservations. */
export const AgentBody = Type.Object(
  {
    agentId: Type.String(),
    hostname: Type.String(),
    attributes: Type.Record(Type.String(), Type.String()),
    zone: Type.Union([Type.String(), Type.Null()]),
    region: Type.Union([Type.String(), Type.Null()]),
    resources: AgentResourcesSchema,
    lost: Type.Boolean(),
    /** Why the agent was reported lost (null while it is not). */
    lostReason: Type.Union([Type.String(), Type.Null()]),
    reservations: Type.Array(AgentReservationBody),
  },
  { additionalProperties: false },
);
export type AgentBody = Static<typeof AgentBody>;
