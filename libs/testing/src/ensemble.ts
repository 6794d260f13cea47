import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_ROLES, agentIdentityName, type NatsIdentity } from '@marshal/contracts';
import { freePort } from './free-port';
import { killProcessesUnder } from './kill-under';
import { ManagedProcess } from './managed-process';
import type { NatsAuthority } from './nats-server';

export const SERVICES = ['state-projector', 'spec-renderer', 'plan-manager', 'offer-evaluator', 'coordinator', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface AgentSpec {
  id: string;
  zone?: string;
  region?: string;
  attributes?: string;
  cpus?: number;
  memoryMb?: number;
  diskMb?: number;
  ports?: string;
  /** Extra variables for this agent (e.g. SIMULATE). */
  env?: Record<string, string>;
}

export interface EnsembleOptions {
  /** Repository root (apps/<service>/dist/main.js must be built). */
  root: string;
  natsUrl: string;
  /**
   * How the processes authenticate to NATS: an authority (a `startNatsServer({ auth: true })` server's `auth`) gives
   * each its own identity and permissions; `'env'` leaves the NATS_* credentials to `env` (a NATS the user runs).
   */
  natsAuth: NatsAuthority | 'env';
  databaseUrl: string;
  namespace: string;
  /** Agents' work dirs and logs go under here. */
  stateDir: string;
  gatewayPort?: number;
  agents: AgentSpec[];
  /** Number of offer-evaluator processes (default 1). */
  evaluators?: number;
  /** Variables for every service. */
  env?: Record<string, string>;
  /** Variables for one service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Longest wait for the gateway to answer while starting (default 60 s); a process that exits fails it at once. */
  readyTimeoutMs?: number;
  /** Tokens to configure (default: fresh random ones). */
  tokens?: { admin: string; operator: string; viewer: string };
}

/** A process of the ensemble ended on its own while the ensemble was being started or watched. */
export class ProcessExitedError extends Error {
  constructor(
    readonly processName: string,
    readonly how: string,
    readonly logFile: string,
  ) {
    super(`${processName} ${how} (log: ${logFile})`);
  }
}

/**
 * The whole Marshal ensemble as local processes: every service, N evaluators and the agents — what docker-compose
 * describes, for e2e tests, fault injection and `npm start`.
 */
export class Ensemble {
  readonly processes = new Map<string, ManagedProcess>();
  gatewayUrl = '';
  /** A token per role, configured into the gateway (subjects admin, operator, viewer). */
  readonly tokens: { admin: string; operator: string; viewer: string };

  private constructor(readonly o: EnsembleOptions) {
    this.tokens = o.tokens ?? {
      admin: randomBytes(24).toString('hex'),
      operator: randomBytes(24).toString('hex'),
      viewer: randomBytes(24).toString('hex'),
    };
  }

  static async start(o: EnsembleOptions): Promise<Ensemble> {
    const e = new Ensemble(o);
    try {
      await e.launch();
    } catch (err) {
      await e.stop();
      throw err;
    }
    return e;
  }

  private main(service: string): string {
    const file = join(this.o.root, 'apps', service, 'dist', 'main.js');
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npm run build)`);
    return file;
  }

  /** Each process's NATS identity: its role's, an agent's own, or one for a process of simulated agents. */
  private identities(): Map<string, NatsIdentity> {
    const out = new Map<string, NatsIdentity>();
    for (const role of SERVICE_ROLES) out.set(role, { name: role, role });
    for (const a of this.o.agents) {
      const simulated = Number(a.env?.['SIMULATE'] ?? this.o.env?.['SIMULATE'] ?? 0) > 0;
      out.set(`agent-${a.id}`, { name: agentIdentityName(a.id), role: 'agent', agentId: simulated ? '*' : a.id });
    }
    return out;
  }

  private natsEnv(identity: NatsIdentity | undefined): Record<string, string> {
    const auth = this.o.natsAuth;
    if (auth === 'env' || !identity) return {};
    // Only the identity's key: credentials the launcher's own environment may hold would contradict it.
    return { NATS_NKEY_SEED_FILE: auth.seedFile(identity.name), NATS_NKEY_SEED: '', NATS_CREDS: '', NATS_USER: '', NATS_PASSWORD: '' };
  }

  private add(name: string, service: string, env: Record<string, string>, identity?: NatsIdentity): ManagedProcess {
    const p = new ManagedProcess({
      name,
      command: process.execPath,
      args: ['--enable-source-maps', this.main(service)],
      cwd: this.o.root,
      env: {
        NATS_URL: this.o.natsUrl,
        ...this.natsEnv(identity),
        DATABASE_URL: this.o.databaseUrl,
        MARSHAL_NAMESPACE: this.o.namespace,
        INSTANCE_ID: name,
        LOG_LEVEL: 'info',
        ...this.o.env,
        ...env,
      },
      logFile: join(this.o.stateDir, 'logs', `${name}.log`),
    });
    this.processes.set(name, p);
    return p;
  }

  private async launch(): Promise<void> {
    const port = this.o.gatewayPort ?? (await freePort());
    this.gatewayUrl = `http://127.0.0.1:${port}`;
    const identities = this.identities();
    if (this.o.natsAuth !== 'env') await this.o.natsAuth.authorize([...identities.values()], [this.o.namespace]);
    for (const s of SERVICES) {
      const own = this.o.serviceEnv?.[s] ?? {};
      if (s === 'offer-evaluator') {
        for (let i = 0; i < (this.o.evaluators ?? 1); i++) this.add(i === 0 ? s : `${s}-${i + 1}`, s, own, identities.get(s));
      } else if (s === 'gateway') {
        const tokens = `admin:admin:${this.tokens.admin},operator:operator:${this.tokens.operator},viewer:viewer:${this.tokens.viewer}`;
        this.add(s, s, { PORT: String(port), HOST: '127.0.0.1', MARSHAL_TOKENS: tokens, ...own }, identities.get(s));
      } else {
        this.add(s, s, own, identities.get(s));
      }
    }
    for (const a of this.o.agents) {
      this.add(`agent-${a.id}`, 'agent', {
        AGENT_ID: a.id,
        AGENT_HOSTNAME: a.id,
        AGENT_WORK_DIR: join(this.o.stateDir, 'agents'),
        ...(a.zone ? { AGENT_ZONE: a.zone } : {}),
        ...(a.region ? { AGENT_REGION: a.region } : {}),
        ...(a.attributes ? { AGENT_ATTRIBUTES: a.attributes } : {}),
        AGENT_CPUS: String(a.cpus ?? 4),
        AGENT_MEMORY_MB: String(a.memoryMb ?? 8192),
        AGENT_DISK_MB: String(a.diskMb ?? 20_000),
        ...(a.ports ? { AGENT_PORTS: a.ports } : {}),
        ...a.env,
      }, identities.get(`agent-${a.id}`));
    }
    for (const p of this.processes.values()) p.start();
    await this.waitForGateway(this.o.readyTimeoutMs);
  }

  /** Fails at once when a process has exited on its own (a busy port, a bad setting): waiting longer cannot help. */
  async waitForGateway(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertAlive();
      let last: string;
      try {
        const res = await fetch(`${this.gatewayUrl}/v1/services`, { headers: { authorization: `Bearer ${this.tokens.viewer}` } });
        if (res.status === 200) return;
        last = `gateway answered ${res.status}`;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() > deadline) throw new Error(`gateway ready not reached within ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Throws ProcessExitedError naming the first process that exited without being asked to. */
  assertAlive(): void {
    for (const [name, p] of this.processes) {
      const how = p.exitedUnasked;
      if (how) throw new ProcessExitedError(name, how, p.spec.logFile);
    }
  }

  process(name: string): ManagedProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`no process ${name} (have ${[...this.processes.keys()].join(', ')})`);
    return p;
  }

  /** Work dir of an agent (its sandboxes and volumes are below). */
  agentDir(agentId: string): string {
    return join(this.o.stateDir, 'agents', agentId);
  }

  /** Stops every service and agent, then the tasks the agents left running. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop(5_000)));
    killProcessesUnder(join(this.o.stateDir, 'agents'));
  }
}
