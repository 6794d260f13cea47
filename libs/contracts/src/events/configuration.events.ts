import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { ServiceSpecSchema } from '../service-spec';

/** Events of `<ns>.evt.svc.<service>.config`, written by spec-renderer. */

export const ValidationErrorSchema = Type.Object(
  {
    /** Where: a YAML path (`pods.hello.tasks.server.cpus`), an option pointer (`/hello/count`) or a file. */
    path: Type.String(),
    message: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const PackageSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    /** Every file of the package by relative path: svc.yml, config.json, marathon.json.mustache, templates… */
    files: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: false },
);
export type Package = Static<typeof PackageSchema>;

export type ValidationError = Static<typeof ValidationErrorSchema>;

export const ConfigurationAccepted = defineEvent(
  'ConfigurationAccepted',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      configId: Type.String({ minLength: 1 }),
      previousConfigId: Type.Union([Type.String(), Type.Null()]),
      spec: ServiceSpecSchema,
      /** Resolved options (defaults ← stored ← provided); what `describe` shows. */
      options: Type.Record(Type.String(), Type.Unknown()),
      package: PackageSchema,
      /** The scheduler environment rendered from marathon.json.mustache. */
      schedulerEnv: Type.Record(Type.String(), Type.String()),
      warnings: Type.Array(Type.String()),
      /** Readable difference from the previous target, empty on install. */
      diff: Type.String(),
      /**
       * Pod types of the previous target whose spec changed materially (ignoring count, placement,
       * allow-decommission; reference §3.8.2): their running instances must relaunch. Others keep running as if
       * launched with this configuration.
       */
      changedPods: Type.Array(Type.String()),
    },
    { additionalProperties: false },
  ),
);

export const ConfigurationRejected = defineEvent(
  'ConfigurationRejected',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      errors: Type.Array(ValidationErrorSchema, { minItems: 1 }),
      warnings: Type.Array(Type.String()),
    },
    { additionalProperties: false },
  ),
);

/**
 * A submitted configuration equal to the target passed every validator again, after an update had been rejected:
 * the rejection's errors no longer apply (reference §3.8.2 step 2: the deploy plan shows the errors of the last
 * validation; the original validated the current target again at every scheduler start). Appended only when the
 * configuration subject ends with a ConfigurationRejected; the target does not change.
 */
export const ConfigurationRevalidated = defineEvent(
  'ConfigurationRevalidated',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      configId: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
);
