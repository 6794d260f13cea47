import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static } from '@sinclair/typebox';
import type { CommandDefinition } from './commands/command';
import { GetOfferOutcomes } from './commands/coordinator.commands';
import { EvaluateCandidate, EvaluateCandidates } from './commands/offer.commands';
import { GetCandidates, PlanCommand, PodCommand, ReportOfferEvaluated, UninstallService } from './commands/plan.commands';
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
  'service.uninstall': UninstallService,
  'offer.evaluate': EvaluateCandidate,
  'offer.evaluate-batch': EvaluateCandidates,
  'coordinator.offers': GetOfferOutcomes,
  'projector.rebuild': RebuildProjections,
} as const;

/**
 * Commands that only read: answering one twice is harmless, so their replies are not remembered for retries (the
 * others' are, keyed by command id, so a retried mutation gets its first answer instead of running again).
 */
export const QUERY_COMMANDS: ReadonlySet<string> = new Set(['spec.render', 'plan.candidates', 'offer.evaluate', 'offer.evaluate-batch', 'coordinator.offers']);

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
