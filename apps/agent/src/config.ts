import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const AgentConfig = defineConfig('agent', {
  AGENT_ID: Type.String({ default: '', description: 'Stable agent id (default: the hostname); keep it across restarts to re-adopt tasks' }),
  AGENT_HOSTNAME: Type.String({ default: '', description: 'Hostname for placement and endpoints (default: os hostname)' }),
  AGENT_WORK_DIR: Type.String({ default: '.marshal/agents', description: 'Root of sandboxes, volumes and runner state (a sub-directory per agent id)' }),
  AGENT_ATTRIBUTES: Type.String({ default: '', description: "Attributes as 'key:value,key:value' (e.g. rack:r1)" }),
  AGENT_ZONE: Type.String({ default: '', description: 'Fault-domain zone (also the attribute zone)' }),
  AGENT_REGION: Type.String({ default: '', description: 'Fault-domain region (also the attribute region)' }),
  AGENT_CPUS: Type.Number({ default: 0, minimum: 0, description: 'CPUs offered (0 = detected)' }),
  AGENT_MEMORY_MB: Type.Number({ default: 0, minimum: 0, description: 'Memory offered in MB (0 = detected)' }),
  AGENT_DISK_MB: Type.Number({ default: 0, minimum: 0, description: 'Disk offered in MB (0 = free space of the work dir)' }),
  AGENT_GPUS: Type.Number({ default: 0, minimum: 0, description: 'GPUs offered' }),
  AGENT_PORTS: Type.String({ default: '10000-20000', description: "Port ranges offered, 'begin-end,begin-end'" }),
  AGENT_MOUNTS: Type.String({ default: '', description: "MOUNT disks offered, 'path:sizeMB[:profile],…'" }),
  AGENT_TASK_SHELL: Type.String({ default: '', description: "Shell running tasks' cmd and checks as '<shell> -c cmd' (default: /bin/bash if it exists, else /bin/sh)" }),
  HEARTBEAT_INTERVAL_MS: Type.Integer({ default: 2_000, minimum: 100, description: 'How often the agent says it is alive' }),
  SIMULATE: Type.Integer({ default: 0, minimum: 0, description: 'Run this many simulated agents in one process (0 = one real agent)' }),
  SIMULATE_START_LATENCY_MS: Type.Integer({ default: 50, minimum: 0, description: 'Simulated task start latency' }),
  SIMULATE_FAILURE_RATE: Type.Number({ default: 0, minimum: 0, maximum: 1, description: 'Probability a simulated task fails to start' }),
  SIMULATE_CPUS: Type.Number({ default: 8, minimum: 0, description: 'CPUs of each simulated agent' }),
  SIMULATE_MEMORY_MB: Type.Number({ default: 32_768, minimum: 0, description: 'Memory of each simulated agent' }),
  SIMULATE_DISK_MB: Type.Number({ default: 100_000, minimum: 0, description: 'Disk of each simulated agent' }),
});
