import { Type, type Static } from '@sinclair/typebox';
import { COMMANDS } from '../command-catalog';
import { ValidationErrorSchema } from '../events/configuration.events';

/*
 * Bodies of Marshal's service management (`/v1/services`, reference §7.6): what the CLI sends and the gateway checks,
 * and what the gateway answers and the CLI reads.
 */

/** Files a package may hold, and how long a path inside it may be. */
export const MAX_PACKAGE_FILES = 256;
export const MAX_FILE_PATH_LENGTH = 256;

export const PackageBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Every file of the package by path relative to its root: svc.yml, config.json, templates… */
    files: Type.Record(Type.String({ minLength: 1, maxLength: MAX_FILE_PATH_LENGTH }), Type.String(), { maxProperties: MAX_PACKAGE_FILES }),
  },
  { additionalProperties: false },
);
export type PackageBody = Static<typeof PackageBody>;

const OptionsBody = Type.Record(Type.String(), Type.Unknown());

/** `POST /v1/services`: install. */
export const InstallBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    package: PackageBody,
    options: Type.Optional(OptionsBody),
  },
  { additionalProperties: false },
);
export type InstallBody = Static<typeof InstallBody>;

/** `PUT /v1/services/{name}`: update (Cosmos `update`, reference §7.6). */
export const UpdateBody = Type.Object(
  {
    /** Merged over the stored options, or replacing them with `replace`. */
    options: Type.Optional(OptionsBody),
    /** A new package (version); the stored one when absent. */
    package: Type.Optional(PackageBody),
    replace: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateBody = Static<typeof UpdateBody>;

/** The answer to an install or an update: spec-renderer's reply, passed on as it is. */
export const SubmitReplyBody = COMMANDS['spec.submit'].reply;
export type SubmitReplyBody = Static<typeof SubmitReplyBody>;

/** `DELETE /v1/services/{name}`: the uninstall started (reference §3.6). */
export const UninstallReplyBody = Type.Object(
  {
    message: Type.String(),
    service: Type.String(),
    /** Log sequence of the uninstall: read-your-writes for the uninstall plan. */
    seq: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type UninstallReplyBody = Static<typeof UninstallReplyBody>;

/** One entry of `GET /v1/services`. */
export const ServiceSummary = Type.Object(
  {
    name: Type.String(),
    configId: Type.Union([Type.String(), Type.Null()]),
    packageName: Type.Union([Type.String(), Type.Null()]),
    packageVersion: Type.Union([Type.String(), Type.Null()]),
    lastErrors: Type.Array(ValidationErrorSchema),
    deployStatus: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ServiceSummary = Static<typeof ServiceSummary>;

/** What `GET /v1/services/{name}` shows (Cosmos `describe`, reference §7.6, plus Marshal's own fields). */
export const ServiceDescription = Type.Object(
  {
    name: Type.String(),
    package: Type.Object({ name: Type.Union([Type.String(), Type.Null()]), version: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
    /** Options of the target configuration: defaults ← stored ← provided. */
    resolvedOptions: Type.Record(Type.String(), Type.Unknown()),
    targetConfigId: Type.Union([Type.String(), Type.Null()]),
    /** Errors of the last rejected update, cleared by the next accepted one. */
    lastErrors: Type.Array(ValidationErrorSchema),
    deployStatus: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ServiceDescription = Static<typeof ServiceDescription>;
