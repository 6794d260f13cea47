import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static } from '@sinclair/typebox';
import type { CommandDefinition } from './commands/command';
import { EvaluateCandidate } from './commands/offer.commands';
import { GetCandidates, PlanCommand, PodCommand, ReportOfferEvaluated } from './commands/plan.commands';
import { RebuildProjections } from './commands/projector.commands';
import { RenderConfiguration, SubmitConfiguration } from './commands/spec.commands';
import { MarshalError } from './errors';

/** Every request/reply command. Handlers and clients are typed from this map. */
export const COMMANDS = {
  'spec.submit': SubmitConfiguration,
  'spec.render': RenderConfiguration,
  'plan.candidates': GetCandidates,
  'plan.offer-evaluated': ReportOfferEvaluated,
  'plan.command': PlanCommand,
  'pod.command': PodCommand,
  'offer.evaluate': EvaluateCandidate,
  'projector.rebuild': RebuildProjections,
} as const;

type Commands = typeof COMMANDS;
export type CommandKey = keyof Commands;
export type CommandRequest<K extends CommandKey> = Static<Commands[K]['request']>;
export type CommandReply<K extends CommandKey> = Static<Commands[K]['reply']>;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const requestValidators = new Map<string, ValidateFunction>();
for (const def of Object.values(COMMANDS) as CommandDefinition[]) {
  requestValidators.set(def.name, ajv.compile(def.request));
}

/** Validates a request received over NATS; a malformed one is an INVALID_ARGUMENT naming every bad field. */
export function validateCommand<K extends CommandKey>(name: K, request: unknown): CommandRequest<K> {
  const validate = requestValidators.get(name);
  if (!validate) throw new MarshalError('INVALID_ARGUMENT', `unknown command '${name}'`);
  if (!validate(request)) {
    const details = (validate.errors ?? []).map((e) => ({
      path: e.instancePath || '/',
      message:
        e.keyword === 'additionalProperties'
          ? `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`
          : (e.message ?? 'is invalid'),
    }));
    throw new MarshalError('INVALID_ARGUMENT', `invalid ${name} request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  return request as CommandRequest<K>;
}
