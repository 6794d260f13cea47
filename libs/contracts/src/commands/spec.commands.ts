import { Type } from '@sinclair/typebox';
import { PackageSchema, ValidationErrorSchema } from '../events/configuration.events';
import { PodDeltaSchema } from '../deltas';
import { ServiceSpecSchema } from '../service-spec';
import { CommandMetaSchema, defineCommand } from './command';

const OptionsSchema = Type.Record(Type.String(), Type.Unknown());

/** Install or update a service: render, validate and, when valid, accept a new target configuration. */
export const SubmitConfiguration = defineCommand(
  'spec.submit',
  Type.Object(
    {
      meta: CommandMetaSchema,
      /** `install` refuses an existing service, `update` a missing one. */
      mode: Type.Union([Type.Literal('install'), Type.Literal('update')]),
      /** Service name; on install it defaults to the rendered spec's `name`. */
      service: Type.Optional(Type.String({ minLength: 1 })),
      /** The package; on update it may be omitted to keep the stored one. */
      package: Type.Optional(PackageSchema),
      options: OptionsSchema,
      /** Drop stored options instead of merging over them (`--replace`). */
      replace: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      accepted: Type.Boolean(),
      service: Type.String(),
      configId: Type.Union([Type.String(), Type.Null()]),
      /** True when the candidate equals the current target: nothing was appended. */
      unchanged: Type.Boolean(),
      errors: Type.Array(ValidationErrorSchema),
      warnings: Type.Array(Type.String()),
      diff: Type.String(),
      /** Per pod instance, what the new target does against the previous one (empty when rejected). */
      deltas: Type.Array(PodDeltaSchema),
      seq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);

/** Dry run: render and validate without changing anything. */
export const RenderConfiguration = defineCommand(
  'spec.render',
  Type.Object(
    {
      meta: CommandMetaSchema,
      service: Type.Optional(Type.String({ minLength: 1 })),
      package: Type.Optional(PackageSchema),
      options: OptionsSchema,
      replace: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      valid: Type.Boolean(),
      spec: Type.Union([ServiceSpecSchema, Type.Null()]),
      errors: Type.Array(ValidationErrorSchema),
      warnings: Type.Array(Type.String()),
      diff: Type.String(),
      /** Per pod instance, what submitting it would do against the current target (empty when invalid). */
      deltas: Type.Array(PodDeltaSchema),
    },
    { additionalProperties: false },
  ),
);
