import { Type, type Static } from '@sinclair/typebox';
import { COMMANDS } from '../command-catalog';
import { PodDeltaSchema } from '../deltas';

/** `GET /v1/configurations/{id}/diff`: what moving to configuration `to` from `from` does, per pod instance. */
export const ConfigurationDiffBody = Type.Object(
  {
    /** The configuration compared against: `?from=<id>`, else the one accepted before `to` (null: `to` was the first). */
    from: Type.Union([Type.String(), Type.Null()]),
    to: Type.String(),
    /** The unified diff of the two specs, as an update answers it. */
    diff: Type.String(),
    deltas: Type.Array(PodDeltaSchema),
  },
  { additionalProperties: false },
);
export type ConfigurationDiffBody = Static<typeof ConfigurationDiffBody>;

/** `POST /v1/services/{name}/dry-run`: spec-renderer's dry run of an update, passed on as it is; nothing changes. */
export const DryRunReplyBody = COMMANDS['spec.render'].reply;
export type DryRunReplyBody = Static<typeof DryRunReplyBody>;
