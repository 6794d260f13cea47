/**
 * Every NATS subject Marshal uses is built here and nowhere else.
 *
 * Layout (DESIGN.md "Event log"): one subject per aggregate instance, the event type travels in the envelope.
 *   <ns>.evt.svc.<service>.config           configurations of a service (spec-renderer writes)
 *   <ns>.evt.svc.<service>.plan             plans of a service (plan-manager writes, expected-sequence guarded)
 *   <ns>.evt.svc.<service>.task.<agentId>   task facts of a service on one agent (coordinator, plan-manager, agent)
 *   <ns>.evt.svc.<service>.state            files stored through the state API (the gateway writes)
 *   <ns>.evt.agent.<agentId>                an agent's registration and reservation ledger (expected-sequence guarded)
 *   <ns>.evt.sys.projections                read-model rebuilds (state-projector writes; audit only)
 * so `<ns>.evt.svc.<service>.>` is a service's whole history in log order.
 */

/** Characters allowed verbatim in one subject token; anything else is escaped as `~XX` (hex of each UTF-8 byte). */
const SAFE = /^[A-Za-z0-9_-]$/;

export function encodeToken(value: string): string {
  if (value.length === 0) throw new Error('a subject token cannot be empty');
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) out += '~' + byte.toString(16).padStart(2, '0');
    }
  }
  return out;
}

export function decodeToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '~') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export const DEFAULT_NAMESPACE = 'marshal';

/** A namespace lets several ensembles share one NATS server (tests, a dev cluster next to CI). */
export function assertNamespace(ns: string): string {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(ns)) {
    throw new Error(`namespace '${ns}' must be lowercase letters, digits and '-', starting with a letter`);
  }
  return ns;
}

export type ServiceStreamKind = 'config' | 'plan' | 'task' | 'state';

export interface Subjects {
  readonly namespace: string;
  /** Name of the JetStream stream holding every event of this namespace. */
  readonly stream: string;
  /** Filter matching every event. */
  readonly allEvents: string;
  readonly allServiceEvents: string;
  readonly allAgentEvents: string;
  /** Task facts of every service on every agent (simulated agents share one subscription). */
  readonly allTaskEvents: string;
  serviceEvents(service: string): string;
  serviceConfig(service: string): string;
  servicePlan(service: string): string;
  /** Files stored through `PUT /v1/state/files/{name}` (reference §6.6). */
  serviceState(service: string): string;
  serviceTask(service: string, agentId: string): string;
  /** Task facts of every service on one agent: what an agent consumes to learn its launches and kills. */
  agentTasks(agentId: string): string;
  agent(agentId: string): string;
  /** Read-model rebuilds: started, completed. */
  readonly projections: string;
  /** Parses an event subject back into its aggregate. */
  parse(subject: string): ParsedSubject | undefined;
  command(name: CommandName): string;
  heartbeat(agentId: string): string;
  readonly allHeartbeats: string;
  /** Core-NATS notifications (not persisted): projector progress, agent wake-ups. */
  readonly projectorProgress: string;
  readonly health: string;
  /** JetStream KV bucket of the events consumers parked (docs/architecture.md, poison events). */
  readonly parkedBucket: string;
  /** Core-NATS requests to re-run a parked event: every consumer that parked the sequence re-reads and re-applies it. */
  readonly parkedRetry: string;
}

export type ParsedSubject =
  | { kind: 'service'; service: string; stream: ServiceStreamKind; agentId?: string }
  | { kind: 'agent'; agentId: string }
  | { kind: 'system'; stream: 'projections' };

/** Request/reply command subjects, `<ns>.cmd.<name>`. The list is closed: see commands/*.ts. */
export const COMMAND_NAMES = [
  'spec.submit',
  'spec.render',
  'plan.candidates',
  'plan.command',
  'plan.offer-evaluated',
  'pod.command',
  'service.uninstall',
  'offer.evaluate',
  'offer.evaluate-batch',
  'coordinator.offers',
  'projector.rebuild',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export function subjectsFor(namespace: string = DEFAULT_NAMESPACE): Subjects {
  const ns = assertNamespace(namespace);
  const evt = `${ns}.evt`;
  return {
    namespace: ns,
    stream: `${ns.toUpperCase().replace(/-/g, '_')}_EVENTS`,
    allEvents: `${evt}.>`,
    allServiceEvents: `${evt}.svc.>`,
    allAgentEvents: `${evt}.agent.>`,
    allTaskEvents: `${evt}.svc.*.task.*`,
    serviceEvents: (service) => `${evt}.svc.${encodeToken(service)}.>`,
    serviceConfig: (service) => `${evt}.svc.${encodeToken(service)}.config`,
    servicePlan: (service) => `${evt}.svc.${encodeToken(service)}.plan`,
    serviceState: (service) => `${evt}.svc.${encodeToken(service)}.state`,
    serviceTask: (service, agentId) => `${evt}.svc.${encodeToken(service)}.task.${encodeToken(agentId)}`,
    agentTasks: (agentId) => `${evt}.svc.*.task.${encodeToken(agentId)}`,
    agent: (agentId) => `${evt}.agent.${encodeToken(agentId)}`,
    projections: `${evt}.sys.projections`,
    parse(subject) {
      const parts = subject.split('.');
      if (parts[0] !== ns || parts[1] !== 'evt') return undefined;
      if (parts[2] === 'agent' && parts.length === 4) return { kind: 'agent', agentId: decodeToken(parts[3]) };
      if (parts[2] === 'sys' && parts[3] === 'projections' && parts.length === 4) return { kind: 'system', stream: 'projections' };
      if (parts[2] === 'svc' && parts.length >= 5) {
        const service = decodeToken(parts[3]);
        const stream = parts[4];
        if (stream === 'config' || stream === 'plan' || stream === 'state') return { kind: 'service', service, stream };
        if (stream === 'task' && parts.length === 6) {
          return { kind: 'service', service, stream, agentId: decodeToken(parts[5]) };
        }
      }
      return undefined;
    },
    command: (name) => `${ns}.cmd.${name}`,
    heartbeat: (agentId) => `${ns}.hb.${encodeToken(agentId)}`,
    allHeartbeats: `${ns}.hb.*`,
    projectorProgress: `${ns}.sys.projector.progress`,
    health: `${ns}.sys.health`,
    parkedBucket: `${ns}-parked`,
    parkedRetry: `${ns}.sys.parked.retry`,
  };
}
