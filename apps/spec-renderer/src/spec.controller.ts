import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MarshalError, makeEvent, serviceAggregate, type CommandReply, type CommandRequest } from '@marshal/contracts';
import { SERVICE_CONTEXT, newId, systemClock, withCorrelation, type ServiceContext } from '@marshal/runtime';
import { deploymentCompleted, readHistory } from './configuration-history';
import { evaluateSubmission, serviceNameOf, type SubmissionOutcome, type SubmitRequest } from './submission';

@Controller()
export class SpecController {
  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  private async evaluate(request: SubmitRequest, mode: 'install' | 'update'): Promise<{ outcome: SubmissionOutcome; lastSeq: number }> {
    const service = serviceNameOf(request);
    const history = service ? await readHistory(this.ctx.store, this.ctx.subjects, service) : { target: null, accepted: 0, lastSeq: 0 };
    const roleMayMatter = history.target !== null;
    const completed = service && roleMayMatter ? await deploymentCompleted(this.ctx.store, this.ctx.subjects, service) : false;
    return { outcome: evaluateSubmission(request, mode, service, history, completed), lastSeq: history.lastSeq };
  }

  /** Install or update: appends ConfigurationAccepted or ConfigurationRejected and answers with the outcome. */
  @MessagePattern('spec.submit')
  submit(@Payload() request: CommandRequest<'spec.submit'>): Promise<CommandReply<'spec.submit'>> {
    return withCorrelation(request.meta.correlationId, async () => {
      for (let attempt = 1; ; attempt++) {
        const { outcome, lastSeq } = await this.evaluate(request, request.mode);
        if (outcome.kind === 'refused') throw new MarshalError(outcome.code, outcome.message);
        const meta = { at: systemClock.now(), correlationId: request.meta.correlationId, causationId: request.meta.commandId, actor: request.meta.actor };
        if (outcome.kind === 'unchanged') {
          return { accepted: true, service: outcome.service, configId: outcome.configId, unchanged: true, errors: [], warnings: outcome.warnings, diff: '', seq: lastSeq };
        }
        const subject = this.ctx.subjects.serviceConfig(outcome.service);
        try {
          if (outcome.kind === 'rejected') {
            const event = makeEvent('ConfigurationRejected', serviceAggregate(outcome.service), { service: outcome.service, errors: outcome.errors, warnings: outcome.warnings }, { ...meta, id: newId() });
            const { seq } = await this.ctx.store.append(subject, event, { expectedLastSubjectSeq: lastSeq, msgId: `${request.meta.commandId}:result` });
            this.ctx.log.info({ service: outcome.service, errors: outcome.errors.length }, 'configuration rejected');
            return { accepted: false, service: outcome.service, configId: null, unchanged: false, errors: outcome.errors, warnings: outcome.warnings, diff: '', seq };
          }
          const event = makeEvent('ConfigurationAccepted', serviceAggregate(outcome.service), { ...outcome.event, configId: newId() }, { ...meta, id: newId() });
          const { seq, duplicate } = await this.ctx.store.append(subject, event, { expectedLastSubjectSeq: lastSeq, msgId: `${request.meta.commandId}:result` });
          // A retry of a command another instance already carried out: answer with what that one appended.
          const stored = duplicate ? (await this.ctx.store.get(seq))?.event : event;
          const configId = stored?.type === 'ConfigurationAccepted' ? stored.data.configId : event.data.configId;
          this.ctx.log.info({ service: outcome.service, configId, duplicate }, 'configuration accepted');
          return { accepted: true, service: outcome.service, configId, unchanged: false, errors: [], warnings: outcome.warnings, diff: outcome.diff, seq };
        } catch (e) {
          // Another submission for the same service landed first: evaluate again against the new target.
          if (e instanceof MarshalError && e.code === 'CONFLICT' && attempt < 3) continue;
          throw e;
        }
      }
    });
  }

  /** Dry run: the rendered spec, errors and diff, without appending anything. */
  @MessagePattern('spec.render')
  async render(@Payload() request: CommandRequest<'spec.render'>): Promise<CommandReply<'spec.render'>> {
    const { outcome } = await this.evaluate(request, request.service ? 'update' : 'install');
    if (outcome.kind === 'refused') throw new MarshalError(outcome.code, outcome.message);
    if (outcome.kind === 'rejected') return { valid: false, spec: outcome.spec, errors: outcome.errors, warnings: outcome.warnings, diff: '' };
    return { valid: true, spec: outcome.spec, errors: [], warnings: outcome.warnings, diff: outcome.kind === 'accepted' ? outcome.diff : '' };
  }
}
