import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';

/**
 * Events of `<ns>.evt.sys.projections`, written by state-projector: the audit trail of read-model rebuilds (who asked,
 * when it finished). They drive nothing; the rebuild itself is the projector's work on a new read-model generation.
 */

export const ProjectionRebuildStarted = defineEvent(
  'ProjectionRebuildStarted',
  1,
  Type.Object(
    {
      /** The read-model generation being built. */
      generation: Type.Integer({ minimum: 1 }),
      /** Last sequence of the log when the rebuild started; the generation is built from sequence 1. */
      headSeq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);

export const ProjectionRebuildCompleted = defineEvent(
  'ProjectionRebuildCompleted',
  1,
  Type.Object(
    {
      generation: Type.Integer({ minimum: 1 }),
      /** The generation it replaced, dropped after the switch. */
      retiredGeneration: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
      /** The generation's checkpoint when the queries switched to it. */
      checkpoint: Type.Integer({ minimum: 0 }),
      /** Events projected by the rebuild, and how long it took. */
      events: Type.Integer({ minimum: 0 }),
      seconds: Type.Number({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);
