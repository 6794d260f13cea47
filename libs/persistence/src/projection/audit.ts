import { podInstanceName, type EventEnvelope, type MarshalEvent, type ParsedSubject, type Recorded, type Subjects } from '@marshal/contracts';
import type { EventRow } from '../entities/read-models';
import type { RowOf } from '../schema/tables';

/** The filters of the audit API that are looked up in `events.refs`: `<kind>:<value>` tags, one GIN index. */
export const REF_KINDS = ['service', 'agent', 'type', 'actor', 'plan', 'phase', 'step', 'pod', 'task'] as const;
export type RefKind = (typeof REF_KINDS)[number];

export const ref = (kind: RefKind, value: string | number): string => `${kind}:${value}`;

/** A deployment or recovery step is named `<pod>-<index>:[<tasks>]` (reference §1.3), which names its pod instance. */
const STEP_NAME = /^(.+-\d+):\[.*\]$/;

/** Fields holding lists of tasks (names, ids, or objects) or of reservations. */
const LISTS = ['launched', 'tasks', 'taskIds', 'overrides', 'reservations'];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function addTask(out: Set<string>, t: Record<string, unknown> | undefined): void {
  if (!t) return;
  const name = str(t['taskName']);
  const id = str(t['taskId']);
  if (name) out.add(ref('task', name));
  if (id) out.add(ref('task', id));
  const podType = str(t['podType']);
  if (podType && typeof t['podIndex'] === 'number') out.add(ref('pod', podInstanceName(podType, t['podIndex'])));
}

/**
 * What an event is about, as tags, found by the catalogue's field conventions rather than a list of event types — so
 * events added later are indexed as long as they name things the usual way: `plan`, `phaseId`/`phase`,
 * `stepId`/`step` (or a step reference object), `podType`+`podIndex` or `pod`, `taskName`/`taskId` (also inside `task`),
 * lists of tasks or reservations (`launched`, `tasks`, `taskIds`, `overrides`, `reservations`), `agentId`; a plan tree
 * (`plan.name`) or plan model (`model.name`) names its plan.
 */
export function auditRefs(subjects: Subjects, subject: string, event: EventEnvelope, parsed: ParsedSubject | undefined = subjects.parse(subject)): string[] {
  const out = new Set<string>();
  const d = obj(event.data) ?? {};
  out.add(ref('type', event.type));
  out.add(ref('actor', event.actor));
  const service = parsed?.kind === 'service' ? parsed.service : str(d['service']);
  if (service) out.add(ref('service', service));
  const agent = parsed?.kind === 'agent' ? parsed.agentId : parsed?.kind === 'service' ? parsed.agentId : undefined;
  for (const a of [agent, str(d['agentId'])]) if (a) out.add(ref('agent', a));

  const stepRef = obj(d['step']);
  const plan = str(d['plan']) ?? str(obj(d['plan'])?.['name']) ?? str(obj(d['model'])?.['name']) ?? str(stepRef?.['plan']);
  if (plan) out.add(ref('plan', plan));
  for (const p of [str(d['phaseId']), str(d['phase']), str(stepRef?.['phaseId'])]) if (p) out.add(ref('phase', p));
  const stepNames = [str(d['step']), str(stepRef?.['step'])].filter((s): s is string => !!s);
  for (const s of [str(d['stepId']), str(stepRef?.['stepId']), ...stepNames]) if (s) out.add(ref('step', s));
  for (const name of stepNames) {
    const m = STEP_NAME.exec(name);
    if (m) out.add(ref('pod', m[1]));
  }

  const pod = str(d['pod']);
  if (pod) out.add(ref('pod', pod));
  addTask(out, d);
  addTask(out, obj(d['task']));
  // Lists of tasks or reservations: names or ids as strings, or objects naming their task, pod and service.
  for (const key of LISTS) {
    for (const item of Array.isArray(d[key]) ? (d[key] as unknown[]) : []) {
      const name = str(item);
      if (name) out.add(ref('task', name));
      const o = obj(item);
      addTask(out, o);
      const itemService = str(o?.['service']);
      if (itemService) out.add(ref('service', itemService));
    }
  }
  return [...out];
}

/** The audit row of one event: the envelope, where it was logged, and its tags. */
export function auditRow(subjects: Subjects, { seq, subject, event }: Recorded<MarshalEvent> | Recorded): RowOf<EventRow> {
  const parsed = subjects.parse(subject);
  return {
    seq,
    id: event.id,
    type: event.type,
    version: event.version,
    subject,
    aggregate: event.aggregate,
    service: parsed?.kind === 'service' ? parsed.service : null,
    agentId: parsed?.kind === 'agent' ? parsed.agentId : parsed?.kind === 'service' ? (parsed.agentId ?? null) : null,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    at: event.at,
    data: event.data,
    refs: auditRefs(subjects, subject, event, parsed),
  };
}
