import { Type } from '@sinclair/typebox';
import { CommandMetaSchema, defineCommand } from './command';

/**
 * Rebuild the read models without downtime (docs/architecture.md): state-projector builds a new generation from sequence 1 while
 * the active one keeps serving, then switches. Asking while a rebuild runs answers with that rebuild.
 */
export const RebuildProjections = defineCommand(
  'projector.rebuild',
  Type.Object({ meta: CommandMetaSchema }, { additionalProperties: false }),
  Type.Object(
    {
      generation: Type.Integer({ minimum: 1 }),
      /** False when a rebuild was already running (this is that one). */
      started: Type.Boolean(),
      /** Last sequence of the log when the rebuild started. */
      headSeq: Type.Integer({ minimum: 0 }),
      /** Sequence of the ProjectionRebuildStarted event (0 when none was appended by this request). */
      seq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);
