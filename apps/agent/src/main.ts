import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Module } from '@nestjs/common';
import type { HeartbeatReply } from '@marshal/contracts';
import { ConfigError, createServiceContext, handleDescribeConfig, loadConfig, startService } from '@marshal/runtime';
import { AgentConfig } from './config';
import { AgentController, AGENT_HOST } from './agent.controller';
import { AgentHost } from './agent-host';
import { AgentInstance, type AgentIdentity } from './agent-instance';
import { detectResources, parseAttributes, parseMounts, parsePortRanges } from './resources';
import { AgentMetrics } from './agent.metrics';
import {
  currentUser,
  processParts,
  resolveTaskShell,
  setUnexpectedErrorSink,
  simulatedParts,
  systemUserLookup,
  TaskRunner,
  unexpectedError,
  type TaskUserPolicy,
} from './runner';
import { FileSpoolStorage, isPermanentAppendError, MemorySpoolStorage, StatusSpool, type SpoolEntry } from './status-spool';
import { makeWorkDirReachable } from './work-dir-access';
import { AgentIdInUse, lockWorkDir } from './work-dir-lock';

/** Flags mirror the environment variables; a flag wins over the variable. */
const FLAGS: [flag: string, env: string, help: string][] = [
  ['--id <id>', 'AGENT_ID', 'agent id'],
  ['--hostname <name>', 'AGENT_HOSTNAME', 'hostname for placement'],
  ['--work-dir <dir>', 'AGENT_WORK_DIR', 'sandboxes, volumes and state'],
  ['--attributes <list>', 'AGENT_ATTRIBUTES', "attributes 'key:value,…'"],
  ['--zone <zone>', 'AGENT_ZONE', 'fault-domain zone'],
  ['--region <region>', 'AGENT_REGION', 'fault-domain region'],
  ['--cpus <n>', 'AGENT_CPUS', 'CPUs offered (0 = detected)'],
  ['--memory <mb>', 'AGENT_MEMORY_MB', 'memory offered in MB (0 = detected)'],
  ['--disk <mb>', 'AGENT_DISK_MB', 'disk offered in MB (0 = free space of the work dir)'],
  ['--gpus <n>', 'AGENT_GPUS', 'GPUs offered'],
  ['--ports <ranges>', 'AGENT_PORTS', "port ranges 'begin-end,…'"],
  ['--mounts <list>', 'AGENT_MOUNTS', "MOUNT disks 'path:sizeMB[:profile],…'"],
  ['--task-shell <path>', 'AGENT_TASK_SHELL', "shell running tasks' cmd and checks"],
  ['--heartbeat-interval <ms>', 'HEARTBEAT_INTERVAL_MS', 'how often the agent says it is alive'],
  ['--simulate <n>', 'SIMULATE', 'run n simulated agents in this process'],
  ['--start-latency <ms>', 'SIMULATE_START_LATENCY_MS', 'simulated task start latency'],
  ['--failure-rate <p>', 'SIMULATE_FAILURE_RATE', 'probability a simulated task fails'],
];

function applyFlags(argv: string[]): void {
  const program = new Command('marshal-agent')
    .description('Runs the tasks Marshal places on this machine (or, with --simulate, on many virtual ones)')
    .option('--describe-config', 'print the configuration variables and exit')
    .allowExcessArguments(false);
  for (const [flag, env, help] of FLAGS) program.option(flag, `${help} (${env})`);
  program.parse(argv);
  const o = program.opts<Record<string, string | undefined>>();
  for (const [flag, env] of FLAGS) {
    const key = flag.slice(2, flag.indexOf(' ')).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
    if (o[key] !== undefined) process.env[env] = o[key];
  }
}

/**
 * The shell running tasks, checked before anything connects (simulated or not): a setting that would fail every
 * launch must stop the agent at start, naming the variable.
 */
function taskShellOrFail(): string {
  handleDescribeConfig(AgentConfig);
  const configured = loadConfig(AgentConfig).AGENT_TASK_SHELL;
  const resolved = resolveTaskShell(configured);
  if ('error' in resolved) throw new ConfigError('agent', [`AGENT_TASK_SHELL=${JSON.stringify(configured)}: ${resolved.error}`]);
  return resolved.shell;
}

/**
 * Who tasks run as (runner/task-user.ts), checked before anything connects: a root agent must be able to resolve its
 * default task user, and that user must not be root unless root tasks are allowed.
 */
function taskUserPolicy(c: { AGENT_TASK_DEFAULT_USER: string; AGENT_TASK_ALLOW_ROOT: boolean }): TaskUserPolicy {
  const policy: TaskUserPolicy = { agent: currentUser(), defaultUser: c.AGENT_TASK_DEFAULT_USER, allowRoot: c.AGENT_TASK_ALLOW_ROOT };
  if (policy.agent.uid !== 0) return policy;
  const user = systemUserLookup(c.AGENT_TASK_DEFAULT_USER);
  if (!user) throw new ConfigError('agent', [`AGENT_TASK_DEFAULT_USER=${JSON.stringify(c.AGENT_TASK_DEFAULT_USER)}: no such user on this machine`]);
  if (user.uid === 0 && !c.AGENT_TASK_ALLOW_ROOT) {
    throw new ConfigError('agent', [`AGENT_TASK_DEFAULT_USER=${JSON.stringify(c.AGENT_TASK_DEFAULT_USER)} is root: tasks run as root only with AGENT_TASK_ALLOW_ROOT=true`]);
  }
  return policy;
}

async function main(): Promise<void> {
  applyFlags(process.argv);
  const taskShell = taskShellOrFail();
  const ctx = await createServiceContext(AgentConfig);
  const c = ctx.config;
  const metrics = new AgentMetrics();
  setUnexpectedErrorSink((where, err, detail) => {
    metrics.unexpectedErrors.inc({ where });
    ctx.log.warn({ err, where, ...detail }, `unexpected error ${where}: carrying on`);
  });
  const users = { policy: taskUserPolicy(c), lookup: systemUserLookup };
  const fetch = {
    maxBytes: c.AGENT_FETCH_MAX_BYTES,
    timeoutMs: c.AGENT_FETCH_TIMEOUT_MS,
    redirectHosts: c.AGENT_FETCH_REDIRECT_HOSTS.split(',').map((h) => h.trim()).filter((h) => h !== ''),
    ...(c.AGENT_FETCH_FILE_ROOT ? { fileRoot: resolve(c.AGENT_FETCH_FILE_ROOT) } : {}),
  };
  const agents: AgentInstance[] = [];
  const baseId = c.AGENT_ID || c.AGENT_HOSTNAME || osHostname();
  const simulated = c.SIMULATE > 0;
  const count = simulated ? c.SIMULATE : 1;
  const attributes = parseAttributes(c.AGENT_ATTRIBUTES);
  const zone = c.AGENT_ZONE || attributes['zone'] || undefined;
  const region = c.AGENT_REGION || attributes['region'] || undefined;
  const simulatedPorts = parsePortRanges(c.AGENT_PORTS);

  for (let i = 0; i < count; i++) {
    const agentId = simulated ? `${baseId}-sim-${i}` : baseId;
    const workDir = resolve(join(c.AGENT_WORK_DIR, agentId));
    // Simulated agents write nothing: no sandboxes, volumes or state.
    if (!simulated) {
      mkdirSync(workDir, { recursive: true });
      // Before registering or touching a task: a second process with this id is refused (work-dir-lock.ts).
      ctx.shutdown.add('work dir lock', lockWorkDir(agentId, workDir));
      if (users.policy.agent.uid === 0) {
        // The work dir and every MOUNT disk: a task's volume may live on either.
        for (const dir of [workDir, ...parseMounts(c.AGENT_MOUNTS).map((m) => resolve(m.root))]) {
          const { opened, blocked } = makeWorkDirReachable(dir, 0);
          if (opened.length > 0) ctx.log.info({ dirs: opened }, 'let task users pass through (o+x) the directories above the work dir and MOUNT disks');
          if (blocked.length > 0) ctx.log.warn({ dirs: blocked }, 'tasks running as other users cannot pass through these directories to their sandboxes and volumes');
        }
      }
    }
    const identity: AgentIdentity = {
      agentId,
      hostname: simulated ? agentId : c.AGENT_HOSTNAME || osHostname(),
      attributes: { ...attributes, ...(zone ? { zone } : {}), ...(region ? { region } : {}) },
      ...(zone ? { zone } : {}),
      ...(region ? { region } : {}),
      resources: simulated
        ? { cpus: c.SIMULATE_CPUS, memory: c.SIMULATE_MEMORY_MB, disk: c.SIMULATE_DISK_MB, gpus: c.AGENT_GPUS, ports: simulatedPorts, mounts: [] }
        : detectResources({ cpus: c.AGENT_CPUS, memoryMb: c.AGENT_MEMORY_MB, diskMb: c.AGENT_DISK_MB, gpus: c.AGENT_GPUS, ports: c.AGENT_PORTS, mounts: c.AGENT_MOUNTS }, workDir),
    };
    // The runner reports through the instance it is handed to.
    const holder: { instance?: AgentInstance } = {};
    const runner = new TaskRunner({
      workDir,
      ...(simulated
        ? simulatedParts({ startLatencyMs: c.SIMULATE_START_LATENCY_MS, failureRate: c.SIMULATE_FAILURE_RATE, random: Math.random })
        : processParts(workDir, { shell: taskShell, fetch })),
      onStatus: (r) => holder.instance?.report(r),
      log: simulated ? ctx.log : ctx.log.child({ agentId }),
      finishedMemory: c.AGENT_MAX_FINISHED_TASKS,
      onRecordWriteFailed: () => metrics.recordWritesFailed.inc(),
      ...(simulated ? {} : { users }),
    });
    const spool = new StatusSpool({
      storage: simulated ? new MemorySpoolStorage() : new FileSpoolStorage(join(workDir, 'status-spool.jsonl')),
      send: (e: SpoolEntry) => ctx.store.append(e.subject, e.event),
      isPermanent: isPermanentAppendError,
      maxBytes: c.AGENT_STATUS_SPOOL_MAX_BYTES,
      log: simulated ? ctx.log : ctx.log.child({ agentId }),
      metrics: metrics.spool(),
    });
    // Statuses a previous run could not get into the log go first.
    await spool.open();
    holder.instance = new AgentInstance(ctx, identity, runner, spool, { maxKnownTasks: c.AGENT_MAX_KNOWN_TASKS });
    agents.push(holder.instance);
  }

  // Re-adopt what still runs before listening, so the log replay can tell what is missing.
  for (const a of agents) await a.runner.recover();
  const host = new AgentHost(
    agents,
    (subject) => {
      const p = ctx.subjects.parse(subject);
      return p?.kind === 'service' ? p.agentId : undefined;
    },
    ctx.log,
  );

  @Module({ controllers: [AgentController], providers: [{ provide: AGENT_HOST, useValue: host }] })
  class AgentModule {}

  // One subscription for all the agents of the process: their task subjects from the start of the log.
  const filter = simulated ? ctx.subjects.allTaskEvents : ctx.subjects.agentTasks(baseId);
  const { transport } = await startService(
    {
      definition: AgentConfig,
      module: AgentModule,
      queue: `agent-${baseId}`,
      sources: () => [{ kind: 'ordered', filter, fromSeq: async () => 1 }],
      health: () => ({
        agents: agents.length,
        registered: agents.filter((a) => a.registered).length,
        tasks: agents.reduce((n, a) => n + a.runner.list().length, 0),
        spooledStatuses: agents.reduce((n, a) => n + a.spool.pendingCount, 0),
      }),
      // AgentMetrics lives in prom-client's global registry, which every service serves on /metrics.
    },
    ctx,
  );
  ctx.shutdown.add('agents', () => host.stop());
  await host.registerAll();
  host.startHeartbeats(
    (beat) =>
      ctx.nc.request(ctx.subjects.heartbeat(baseId), JSON.stringify(beat), { timeout: c.HEARTBEAT_INTERVAL_MS }).then(
        (m) => m.json<HeartbeatReply>(),
        (e: unknown) => {
          // No coordinator answering (not started yet, restarting) or NATS away: the beat still counts when one listens.
          if (!isNoAnswer(e)) unexpectedError('sending a heartbeat', e);
          return undefined;
        },
      ),
    c.HEARTBEAT_INTERVAL_MS,
  );
  await transport.caughtUp();
  await host.caughtUp();
}

/** The ways a request goes unanswered: nobody listens, or no answer in time, or the connection is away. */
function isNoAnswer(e: unknown): boolean {
  const text = e instanceof Error ? `${e.name} ${e.message} ${String((e as { code?: unknown }).code ?? '')}` : '';
  return /no ?responders|timeout|503|disconnect|closed|CONNECTION/i.test(text);
}

void main().catch((e) => {
  console.error(e instanceof AgentIdInUse ? e.message : e);
  process.exit(1);
});
