import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Module } from '@nestjs/common';
import { createServiceContext, startService } from '@marshal/runtime';
import { AgentConfig } from './config';
import { AgentController, AGENT_HOST } from './agent.controller';
import { AgentHost } from './agent-host';
import { AgentInstance, type AgentIdentity } from './agent-instance';
import { detectResources, parseAttributes } from './resources';
import { ProcessLauncher, SimulatedLauncher, TaskRunner } from './runner';

/** Flags mirror the environment variables; a flag wins over the variable. */
function applyFlags(argv: string[]): void {
  const program = new Command('marshal-agent')
    .description('Runs the tasks Marshal places on this machine')
    .option('--id <id>', 'agent id (AGENT_ID)')
    .option('--hostname <name>', 'hostname for placement (AGENT_HOSTNAME)')
    .option('--work-dir <dir>', 'sandboxes, volumes and state (AGENT_WORK_DIR)')
    .option('--attributes <list>', "attributes 'key:value,…' (AGENT_ATTRIBUTES)")
    .option('--zone <zone>', 'fault-domain zone (AGENT_ZONE)')
    .option('--region <region>', 'fault-domain region (AGENT_REGION)')
    .option('--cpus <n>', 'CPUs offered (AGENT_CPUS)')
    .option('--memory <mb>', 'memory offered in MB (AGENT_MEMORY_MB)')
    .option('--disk <mb>', 'disk offered in MB (AGENT_DISK_MB)')
    .option('--ports <ranges>', "port ranges 'begin-end,…' (AGENT_PORTS)")
    .option('--simulate <n>', 'run n simulated agents in this process (SIMULATE)')
    .option('--describe-config', 'print the configuration variables and exit')
    .allowExcessArguments(false);
  program.parse(argv);
  const o = program.opts<Record<string, string | undefined>>();
  const map: Record<string, string> = {
    id: 'AGENT_ID', hostname: 'AGENT_HOSTNAME', workDir: 'AGENT_WORK_DIR', attributes: 'AGENT_ATTRIBUTES', zone: 'AGENT_ZONE',
    region: 'AGENT_REGION', cpus: 'AGENT_CPUS', memory: 'AGENT_MEMORY_MB', disk: 'AGENT_DISK_MB', ports: 'AGENT_PORTS', simulate: 'SIMULATE',
  };
  for (const [flag, env] of Object.entries(map)) if (o[flag] !== undefined) process.env[env] = o[flag];
}

async function main(): Promise<void> {
  applyFlags(process.argv);
  const ctx = await createServiceContext(AgentConfig);
  const c = ctx.config;
  const agents: AgentInstance[] = [];
  const baseId = c.AGENT_ID || c.AGENT_HOSTNAME || osHostname();
  const simulated = c.SIMULATE > 0;
  const count = simulated ? c.SIMULATE : 1;
  const attributes = parseAttributes(c.AGENT_ATTRIBUTES);

  for (let i = 0; i < count; i++) {
    const agentId = simulated ? `${baseId}-sim-${i}` : baseId;
    const workDir = resolve(join(c.AGENT_WORK_DIR, agentId));
    mkdirSync(workDir, { recursive: true });
    const zone = c.AGENT_ZONE || attributes['zone'] || undefined;
    const region = c.AGENT_REGION || attributes['region'] || undefined;
    const identity: AgentIdentity = {
      agentId,
      hostname: simulated ? `${baseId}-sim-${i}` : c.AGENT_HOSTNAME || osHostname(),
      attributes: { ...attributes, ...(zone ? { zone } : {}), ...(region ? { region } : {}) },
      ...(zone ? { zone } : {}),
      ...(region ? { region } : {}),
      resources: simulated
        ? { cpus: c.SIMULATE_CPUS, memory: c.SIMULATE_MEMORY_MB, disk: c.SIMULATE_DISK_MB, gpus: 0, ports: [{ begin: 10000, end: 20000 }], mounts: [] }
        : detectResources({ cpus: c.AGENT_CPUS, memoryMb: c.AGENT_MEMORY_MB, diskMb: c.AGENT_DISK_MB, gpus: c.AGENT_GPUS, ports: c.AGENT_PORTS, mounts: c.AGENT_MOUNTS }, workDir),
    };
    // The runner reports through the instance it is handed to.
    const holder: { instance?: AgentInstance } = {};
    const runner = new TaskRunner({
      workDir,
      launcher: simulated
        ? new SimulatedLauncher({ startLatencyMs: c.SIMULATE_START_LATENCY_MS, failureRate: c.SIMULATE_FAILURE_RATE, random: Math.random })
        : new ProcessLauncher(),
      onStatus: (r) => holder.instance?.report(r),
      log: ctx.log.child({ agentId }),
    });
    holder.instance = new AgentInstance(ctx, identity, runner);
    agents.push(holder.instance);
  }

  // Re-adopt what still runs before listening, so the log replay can tell what is missing.
  for (const a of agents) await a.runner.recover();
  const host = new AgentHost(agents, (subject) => {
    const p = ctx.subjects.parse(subject);
    return p?.kind === 'service' ? p.agentId : undefined;
  });

  @Module({ controllers: [AgentController], providers: [{ provide: AGENT_HOST, useValue: host }] })
  class AgentModule {}

  const filter = simulated ? ctx.subjects.allTaskEvents : ctx.subjects.agentTasks(baseId);
  const { transport } = await startService(
    {
      definition: AgentConfig,
      module: AgentModule,
      queue: `agent-${baseId}`,
      sources: () => [{ kind: 'ordered', filter, fromSeq: async () => 1 }],
      health: () => ({ agents: agents.length, tasks: agents.reduce((n, a) => n + a.view.desired().length, 0) }),
    },
    ctx,
  );
  ctx.shutdown.add('agents', async () => {
    for (const a of agents) await a.stop();
  });
  for (const a of agents) await a.register();
  await transport.caughtUp();
  await host.caughtUp();
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
