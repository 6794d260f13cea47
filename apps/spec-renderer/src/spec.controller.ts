import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MarshalError, makeEvent, serviceAggregate, type CommandReply, type CommandRequest, type MarshalEvent, type PodDelta } from '@marshal/contracts';
import { SERVICE_CONTEXT, newId, systemClock, withCorrelation, type ServiceContext } from '@marshal/runtime';
import { deploymentCompleted, readHistory } from './configuration-history';
import { limitsOf, type Limits, type SpecRendererSettings } from './limits';
import { evaluateSubmission, serviceNameOf, type SubmissionOutcome, type SubmitRequest } from './submission';

@Controller()
export class SpecController {
  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<SpecRendererSettings>) {}

  /** The bounds of a submission (settings, and the NATS server's message size, known once connected). */
  private limits(): Limits {
    return limitsOf(this.ctx.config, this.ctx.nc.info?.max_payload);
  }

  private async evaluate(request: SubmitRequest, mode: 'install' | 'update'): Promise<{ outcome: SubmissionOutcome; lastSeq: number; rejectionShown: boolean }> {
    const limits = this.limits();
    const service = serviceNameOf(request, limits);
    const history = service ? await readHistory(this.ctx.store, this.ctx.subjects, service) : { target: null, accepted: 0, lastSeq: 0 };
    const roleMayMatter = history.target !== null;
    const completed = service && roleMayMatter ? await deploymentCompleted(this.ctx.store, this.ctx.subjects, service) : false;
    return { outcome: evaluateSubmission(request, mode, service, history, completed, limits), lastSeq: history.lastSeq, rejectionShown: !!history.rejectionShown };
  }

  /** Most bytes one event may take: MAX_EVENT_BYTES, never more than one message of this NATS server carries. */
  private maxPayload(): number {
    return this.limits().plan.maxEventBytes;
  }

  /** An event larger than a NATS message cannot be logged: say so instead of failing in the client library. */
  private assertFits(event: MarshalEvent, what: string): void {
    const bytes = Buffer.byteLength(JSON.stringify(event));
    if (bytes > this.maxPayload()) {
      throw new MarshalError(
        'INVALID_ARGUMENT',
        `${what} takes ${bytes} bytes as an event; the event log takes at most ${this.maxPayload()} bytes per event (MAX_EVENT_BYTES, NATS max_payload): make the package smaller`,
        [{ path: 'package', message: `the configuration is ${bytes} bytes as an event, over ${this.maxPayload()}` }],
      );
    }
  }

  /**
   * A reply whose deltas would not fit in one NATS message keeps each delta's operation, changes and tasks but leaves
   * out the pod specs before and after, and says so in its warnings; the gateway's configuration diff has them all.
   */
  private fitted<R extends { deltas: PodDelta[]; warnings: string[] }>(reply: R): R {
    if (Buffer.byteLength(JSON.stringify(reply)) <= this.maxPayload()) return reply;
    const deltas = reply.deltas.map((d) => ({ ...d, before: null, after: null }));
    const warning = `the deltas of ${deltas.length} pod instances are too large for one reply: their pod specs before and after are left out (GET /v1/configurations/<id>/diff shows them)`;
    return { ...reply, deltas, warnings: [...reply.warnings, warning] };
  }

  /** Install or update: appends ConfigurationAccepted or ConfigurationRejected and answers with the outcome. */
  @MessagePattern('spec.submit')
  submit(@Payload() request: CommandRequest<'spec.submit'>): Promise<CommandReply<'spec.submit'>> {
    return withCorrelation(request.meta.correlationId, async () => {
      for (let attempt = 1; ; attempt++) {
        const { outcome, lastSeq, rejectionShown } = await this.evaluate(request, request.mode);
        if (outcome.kind === 'refused') throw new MarshalError(outcome.code, outcome.message);
        const meta = { at: systemClock.now(), correlationId: request.meta.correlationId, causationId: request.meta.commandId, actor: request.meta.actor };
        if (outcome.kind === 'unchanged' && !rejectionShown) {
          return this.fitted({ accepted: true, service: outcome.service, configId: outcome.configId, unchanged: true, errors: [], warnings: outcome.warnings, diff: '', deltas: outcome.deltas, seq: lastSeq });
        }
        // Only built when something is appended: a failed install of a package that does not render has no name.
        const subject = (): string => this.ctx.subjects.serviceConfig(outcome.service);
        try {
          if (outcome.kind === 'unchanged') {
            // The current target passed every validator again: a rejected update's errors no longer apply (reference
            // §3.8.2 step 2), as when the original validated its target at a restart. The target stays.
            const event = makeEvent('ConfigurationRevalidated', serviceAggregate(outcome.service), { service: outcome.service, configId: outcome.configId }, { ...meta, id: newId() });
            const { seq } = await this.ctx.store.append(subject(), event, { expectedLastSubjectSeq: lastSeq, msgId: `${request.meta.commandId}:result` });
            this.ctx.log.info({ service: outcome.service, configId: outcome.configId }, 'target submitted again: rejection cleared');
            return this.fitted({ accepted: true, service: outcome.service, configId: outcome.configId, unchanged: true, errors: [], warnings: outcome.warnings, diff: '', deltas: outcome.deltas, seq });
          }
          if (outcome.kind === 'rejected') {
            const reply = { accepted: false, service: outcome.service, configId: null, unchanged: false, errors: outcome.errors, warnings: outcome.warnings, diff: '', deltas: [] };
            if (!outcome.record) {
              this.ctx.log.info({ service: outcome.service, errors: outcome.errors.length }, 'configuration refused; nothing recorded');
              return { ...reply, seq: lastSeq };
            }
            const event = makeEvent('ConfigurationRejected', serviceAggregate(outcome.service), { service: outcome.service, errors: outcome.errors, warnings: outcome.warnings }, { ...meta, id: newId() });
            this.assertFits(event, 'the list of errors');
            const { seq } = await this.ctx.store.append(subject(), event, { expectedLastSubjectSeq: lastSeq, msgId: `${request.meta.commandId}:result` });
            this.ctx.log.info({ service: outcome.service, errors: outcome.errors.length }, 'configuration rejected');
            return { ...reply, seq };
          }
          const event = makeEvent('ConfigurationAccepted', serviceAggregate(outcome.service), { ...outcome.event, configId: newId() }, { ...meta, id: newId() });
          this.assertFits(event, 'the configuration');
          const { seq, duplicate } = await this.ctx.store.append(subject(), event, { expectedLastSubjectSeq: lastSeq, msgId: `${request.meta.commandId}:result` });
          // A retry of a command another instance already carried out: answer with what that one appended.
          const stored = duplicate ? (await this.ctx.store.get(seq))?.event : event;
          const configId = stored?.type === 'ConfigurationAccepted' ? stored.data.configId : event.data.configId;
          this.ctx.log.info({ service: outcome.service, configId, duplicate }, 'configuration accepted');
          const deltas = outcome.deltas.map((d) => ({ ...d, afterConfigId: d.after === null ? null : configId }));
          return this.fitted({ accepted: true, service: outcome.service, configId, unchanged: false, errors: [], warnings: outcome.warnings, diff: outcome.diff, deltas, seq });
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
    const reply: CommandReply<'spec.render'> =
      outcome.kind === 'rejected'
        ? { valid: false, spec: outcome.spec, errors: outcome.errors, warnings: outcome.warnings, diff: '', deltas: [] }
        : this.fitted({ valid: true, spec: outcome.spec, errors: [], warnings: outcome.warnings, diff: outcome.kind === 'accepted' ? outcome.diff : '', deltas: outcome.deltas });
    const bytes = Buffer.byteLength(JSON.stringify(reply));
    if (bytes > this.maxPayload()) {
      throw new MarshalError('INVALID_ARGUMENT', `the rendered spec takes ${bytes} bytes, more than one reply can carry (${this.maxPayload()}); render it offline with marshal spec render`);
    }
    return reply;
  }
}
