import { encodeToken, type Subjects } from './subjects';

/**
 * Who may publish and subscribe to what on NATS: one identity per role, enforced by nats-server (DESIGN.md "Scaling
 * out": the log is only as trustworthy as the least-privileged writer). Derived from the subjects each app uses; a
 * subject an app starts to use must be added here, or nats-server refuses it (and the refusal is logged and counted).
 */
export const SERVICE_ROLES = ['spec-renderer', 'plan-manager', 'coordinator', 'offer-evaluator', 'state-projector', 'gateway'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type NatsRole = ServiceRole | 'agent' | 'admin';

export interface NatsIdentity {
  /** Name of the credential file (`<name>.nk`) and of the user in the server's log. */
  name: string;
  role: NatsRole;
  /** Agents only: the agent id it may act for; `*` for a process of simulated agents (any agent). */
  agentId?: string;
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/** The inbox prefix a connection authenticated by this public key (or user name) uses, so inboxes are private. */
export function inboxPrefixFor(principal: string): string {
  return `_INBOX.${principal}`;
}

/** The identities of an ensemble: every service, each agent, simulated agents and an admin for tools and benches. */
export function ensembleIdentities(agentIds: string[], opts: { simulatedAgents?: boolean } = {}): NatsIdentity[] {
  const out: NatsIdentity[] = SERVICE_ROLES.map((role) => ({ name: role, role }));
  for (const id of agentIds) out.push({ name: agentIdentityName(id), role: 'agent', agentId: id });
  if (opts.simulatedAgents) out.push({ name: 'agents-simulated', role: 'agent', agentId: '*' });
  out.push({ name: 'admin', role: 'admin' });
  return out;
}

export function agentIdentityName(agentId: string): string {
  return `agent-${encodeToken(agentId)}`;
}

/** JetStream API a reader of the event stream needs; nothing that deletes, purges or reconfigures it. */
function streamReader(stream: string, consumerCreate: string[]): string[] {
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    // Every service may create the stream when it starts first; creating an existing one with another config fails.
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    ...consumerCreate,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.>`,
  ];
}

/**
 * The parked-events KV bucket (docs/architecture.md, poison events): every consumer opens it, records what it parks
 * and deletes what a retry applied; its JetStream stream is `KV_<bucket>`.
 */
function parkedRecords(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    `$KV.${bucket}.>`,
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.FC.${stream}.>`,
    `$JS.ACK.${stream}.>`,
  ];
}

/** The permissions of one identity in one namespace. `inbox` is its private reply prefix. */
export function permissionsFor(identity: NatsIdentity, subjects: Subjects, inbox: string): NatsPermissions {
  if (identity.role === 'admin') return { publish: ['>'], subscribe: ['>'] };
  const s = subjects;
  const evt = `${s.namespace}.evt`;
  const cmd = (...names: Parameters<Subjects['command']>[0][]): string[] => names.map((n) => s.command(n));
  const anyConsumer = [`$JS.API.CONSUMER.CREATE.${s.stream}`, `$JS.API.CONSUMER.CREATE.${s.stream}.>`, `$JS.API.CONSUMER.DURABLE.CREATE.${s.stream}.*`];
  // Every consumer may park what it cannot apply and hears the admin's requests to retry it.
  const base = { publish: [] as string[], subscribe: [`${inbox}.>`, s.health, s.parkedRetry] };
  const reader = [...streamReader(s.stream, anyConsumer), ...parkedRecords(s.parkedBucket)];
  switch (identity.role) {
    case 'spec-renderer':
      return { publish: [...reader, `${evt}.svc.*.config`], subscribe: [...base.subscribe, ...cmd('spec.submit', 'spec.render')] };
    case 'plan-manager':
      return {
        // Kills and erasures a plan decides are task facts: the task subjects, never an agent's ledger.
        publish: [...reader, `${evt}.svc.*.plan`, `${evt}.svc.*.task.*`],
        subscribe: [...base.subscribe, ...cmd('plan.candidates', 'plan.offer-evaluated', 'plan.command', 'pod.command', 'service.uninstall')],
      };
    case 'coordinator':
      return {
        publish: [...reader, `${evt}.svc.*.task.*`, `${evt}.agent.*`, ...cmd('offer.evaluate', 'offer.evaluate-batch', 'plan.candidates', 'plan.offer-evaluated')],
        subscribe: [...base.subscribe, s.allHeartbeats, ...cmd('coordinator.offers')],
      };
    case 'offer-evaluator':
      return { publish: reader, subscribe: [...base.subscribe, ...cmd('offer.evaluate', 'offer.evaluate-batch')] };
    case 'state-projector':
      return { publish: [...reader, s.projections, s.projectorProgress], subscribe: [...base.subscribe, ...cmd('projector.rebuild')] };
    case 'gateway':
      return {
        // The only identity that sends operator commands: the actor they carry is the gateway's authenticated caller.
        publish: [
          ...reader,
          `${evt}.svc.*.state`,
          s.health,
          s.parkedRetry,
          ...cmd('spec.submit', 'spec.render', 'plan.command', 'pod.command', 'service.uninstall', 'projector.rebuild', 'coordinator.offers'),
        ],
        subscribe: [...base.subscribe, s.projectorProgress],
      };
    case 'agent': {
      if (identity.agentId === undefined) throw new Error(`agent identity ${identity.name} names no agent id`);
      const any = identity.agentId === '*';
      const own = any ? [s.allTaskEvents, s.allAgentEvents] : [s.agentTasks(identity.agentId), s.agent(identity.agentId)];
      // An agent may only open consumers filtered on its own subjects (the filter travels in the API subject).
      const consumers = own.map((f) => `$JS.API.CONSUMER.CREATE.${s.stream}.*.${f}`);
      const heartbeat = any ? s.allHeartbeats : s.heartbeat(identity.agentId);
      return { publish: [...streamReader(s.stream, consumers), ...parkedRecords(s.parkedBucket), ...own, heartbeat], subscribe: base.subscribe };
    }
  }
}

function quote(v: string): string {
  return JSON.stringify(v);
}

/** nats-server's `authorization` block: every identity by nkey, with its permissions in every namespace given. */
export function renderAuthorization(identities: { identity: NatsIdentity; publicKey: string }[], namespaces: Subjects[]): string {
  const users = identities.map(({ identity, publicKey }) => {
    if (identity.role === 'admin') return [`    # ${identity.name} (admin: any subject)`, `    { nkey: ${quote(publicKey)} }`].join('\n');
    const inbox = inboxPrefixFor(publicKey);
    const perms = namespaces.map((s) => permissionsFor(identity, s, inbox));
    const uniq = (xs: string[]) => [...new Set(xs)];
    const publish = uniq(perms.flatMap((p) => p.publish));
    const subscribe = uniq(perms.flatMap((p) => p.subscribe));
    // An empty allow list would mean no restriction at all: an identity with no namespace yet may do nothing.
    const rule = (xs: string[]) => (xs.length > 0 ? `{ allow: [${xs.map(quote).join(', ')}] }` : '{ deny: [">"] }');
    return [
      `    # ${identity.name} (${identity.role})`,
      `    { nkey: ${quote(publicKey)}`,
      `      permissions: {`,
      `        publish: ${rule(publish)}`,
      `        subscribe: ${rule(subscribe)}`,
      // Lets a responder answer requests it received without a standing right to publish on anyone's inbox.
      `        allow_responses: true`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  return `authorization {\n  users: [\n${users.join('\n')}\n  ]\n}\n`;
}

