import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { makeEvent, serviceAggregate, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { EMPTY_LOG_VIEW, evolveLogView, type ServiceLogView } from './service-log-view';

interface Entry {
  /** The view includes every event of the service's subjects up to this stream sequence. */
  seq: number;
  view: ServiceLogView;
}

/**
 * The state API's view of each service, folded from the log (no read-model table): the service's `.config`, `.plan`
 * and `.state` subjects, read from where the last request left off. Files are appended here as `StateFileStored`.
 */
@Injectable()
export class ServiceLogViews {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<ServiceLogView>>();

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  /** The view as of now: every event appended before the call is in it. */
  view(service: string): Promise<ServiceLogView> {
    // One catch-up per service at a time; callers that arrive meanwhile share it.
    const running = this.pending.get(service);
    if (running) return running.then(() => this.view(service));
    const p = this.catchUp(service).finally(() => this.pending.delete(service));
    this.pending.set(service, p);
    return p;
  }

  private async catchUp(service: string): Promise<ServiceLogView> {
    const { store, subjects } = this.ctx;
    const entry = this.entries.get(service) ?? { seq: 0, view: EMPTY_LOG_VIEW };
    // Read each subject up to one head, so an event appended meanwhile on one of them is not skipped next time.
    const head = await store.headSeq();
    if (head <= entry.seq) return entry.view;
    const recs: Recorded<MarshalEvent>[] = [];
    for (const subject of [subjects.serviceConfig(service), subjects.servicePlan(service), subjects.serviceState(service)]) {
      if ((await store.lastSeq(subject)) <= entry.seq) continue;
      for (const r of await store.readAll(subject, { fromSeq: entry.seq + 1, toSeq: head })) if (r.seq <= head) recs.push(r);
    }
    recs.sort((a, b) => a.seq - b.seq);
    const view = recs.reduce((v, r) => evolveLogView(v, r.event), entry.view);
    this.entries.set(service, { seq: head, view });
    return view;
  }

  /** Appends a file of the state API; the view of the next request includes it. Returns the log sequence. */
  async storeFile(service: string, name: string, content: Buffer, actor: string): Promise<number> {
    const id = randomUUID();
    const event = makeEvent(
      'StateFileStored',
      serviceAggregate(service),
      { service, name, content: content.toString('base64') },
      { id, at: new Date().toISOString(), correlationId: id, causationId: null, actor },
    );
    return (await this.ctx.store.append(this.ctx.subjects.serviceState(service), event)).seq;
  }

  /** `PUT /v1/state/refresh`: forget what was folded; the next request reads the log again. */
  forget(): void {
    this.entries.clear();
  }
}
