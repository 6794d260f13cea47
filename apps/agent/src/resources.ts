import { cpus, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import type { AgentResources, Range } from '@marshal/contracts';

/** `10000-20000,30000-30010` → ranges; a bad entry is an error naming it. */
export function parsePortRanges(text: string): Range[] {
  if (!text.trim()) return [];
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`AGENT_PORTS: '${part}' is not a range like 10000-20000`);
    const begin = Number(m[1]);
    const end = Number(m[2]);
    if (begin > end || end > 65535) throw new Error(`AGENT_PORTS: '${part}' must satisfy begin <= end <= 65535`);
    return { begin, end };
  });
}

/** `rack:r1,gpu:true` → attributes; a value may contain ':' (split at the first). */
export function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    if (i <= 0) throw new Error(`AGENT_ATTRIBUTES: '${part}' is not key:value`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** `/mnt/d1:10240:ssd,/mnt/d2:20480` → MOUNT disks. */
export function parseMounts(text: string): AgentResources['mounts'] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const [root, size, profile] = part.split(':');
      if (!root || !size || !/^\d+(\.\d+)?$/.test(size)) throw new Error(`AGENT_MOUNTS: '${part}' is not path:sizeMB[:profile]`);
      return { root, size: Number(size), ...(profile ? { profile } : {}) };
    });
}

/** What this machine offers: configured values, else detected ones. */
export function detectResources(
  o: { cpus: number; memoryMb: number; diskMb: number; gpus: number; ports: string; mounts: string },
  workDir: string,
): AgentResources {
  const disk = o.diskMb > 0 ? o.diskMb : Math.floor((statfsSync(workDir).bavail * statfsSync(workDir).bsize) / 1024 / 1024);
  return {
    cpus: o.cpus > 0 ? o.cpus : cpus().length,
    memory: o.memoryMb > 0 ? o.memoryMb : Math.floor(totalmem() / 1024 / 1024),
    disk,
    gpus: o.gpus,
    ports: parsePortRanges(o.ports),
    mounts: parseMounts(o.mounts),
  };
}
