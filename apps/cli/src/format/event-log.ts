import type { AuditEvent, EventChain } from '@marshal/contracts';

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Data | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : undefined);

/** `deploy › hello › hello-0:[server]`, a task or an agent: what the event is about, by the catalogue's field names. */
function subjectOf(e: AuditEvent, d: Data): string {
  const stepRef = obj(d['step']);
  const plan = str(d['plan']) ?? str(obj(d['plan'])?.['name']) ?? str(obj(d['model'])?.['name']) ?? str(stepRef?.['plan']);
  const phase = str(d['phase']);
  const step = str(d['step']) ?? str(stepRef?.['step']);
  const parts = [plan, phase, step].filter((p): p is string => !!p);
  const task = str(d['taskName']) ?? str(obj(d['task'])?.['taskName']);
  const pod = str(d['pod']) ?? (str(d['podType']) && typeof d['podIndex'] === 'number' ? `${d['podType']}-${d['podIndex']}` : undefined);
  const agent = e.service !== null ? str(d['agentId']) : undefined;
  const out = [parts.join(' › ')];
  if (task && !parts.length) out.push(task);
  else if (pod && !parts.length) out.push(pod);
  if (agent) out.push(`on ${agent}`);
  return out.filter(Boolean).join(' ');
}

/** `STARTING → COMPLETE`, a task state, a status: what changed. */
function changeOf(d: Data): string | undefined {
  const from = str(d['from']);
  const to = str(d['to']);
  if (from && to) return `${from} → ${to}`;
  return str(d['state']) ?? str(d['status']);
}

function detailOf(d: Data): string | undefined {
  const errors = Array.isArray(d['errors']) ? (d['errors'] as unknown[]) : [];
  const text = str(d['reason']) ?? str(d['message']);
  const errs = errors.length ? `${errors.length} error${errors.length > 1 ? 's' : ''}: ${errors.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ')}` : undefined;
  return [text, errs].filter(Boolean).join(' — ') || undefined;
}

/**
 * One readable line per event, whatever its type:
 * `#16 2026-11-22T05:00:06.811Z hello-world StepStatusChanged deploy › hello › hello-0:[server] STARTING → COMPLETE: <why> (by service:plan-manager)`.
 */
export function formatEvent(e: AuditEvent): string {
  const d = obj(e.data) ?? {};
  const where = e.service ?? (e.agentId ? `agent ${e.agentId}` : 'system');
  const what = subjectOf(e, d);
  const change = changeOf(d);
  const detail = detailOf(d);
  const line = [`#${e.seq}`, e.at, where, e.type, what, change].filter(Boolean).join(' ');
  return `${line}${detail ? `: ${detail}` : ''} (by ${e.actor})`;
}

/** A causal chain as an indented tree, with what led to its first event above it. */
export function formatChain(chain: EventChain): string {
  const lines: string[] = [];
  if (chain.causes.length) {
    lines.push('caused by:');
    for (const c of chain.causes) lines.push(`  ${formatEvent(c)}`);
    lines.push('');
  }
  lines.push(`chain of ${chain.id}:`);
  for (const e of chain.events) lines.push(`${'  '.repeat(e.depth + 1)}${formatEvent(e)}`);
  if (chain.truncated) lines.push('… (truncated: follow a later event with `marshal events chain <id>`)');
  return lines.join('\n') + '\n';
}
