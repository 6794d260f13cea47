import {
  MarshalError,
  podInstanceName,
  type AgentOutcome,
  type AllocatedPort,
  type AllocatedVolume,
  type Candidate,
  type PodSpec,
  type PortSpec,
  type Proposal,
  type Range,
  type VolumeSpec,
} from '@marshal/contracts';
import { footprintOf, type Footprint } from './footprint';
import {
  fromMilli,
  instanceKey,
  ledgerIndex,
  type AgentInfo,
  type AgentState,
  type IndexedReservation,
  type Ledger,
  type LedgerIndex,
  type Milli,
} from './ledger';
import { fail, formatScalar, pass, renderOutcomes, type Outcome } from './outcome';
import { placementRuleOf } from './placement/marathon-constraint.parser';
import { compilePlacement, type CompiledRule } from './placement/placement.stage';

/**
 * Offer evaluation (reference §5): which agent a pod instance runs on and what it reserves there. Agents are tried
 * in ledger order (first registration), optionally starting part-way round (`startAt`); the first agent where every
 * stage passes wins (§5.1).
 *
 * - A pod instance without a reservation, or one being replaced (recovery type PERMANENT), takes the new pipeline
 *   (§5.2.1): placement, then resources for its whole footprint, on any agent.
 * - A pod instance holding a reservation relaunches in place (§5.2.2): only on that agent, placement not evaluated,
 *   growing or shrinking within the agent's free resources, keeping its dynamic ports and volume persistence ids.
 */

export interface EvaluationInput {
  candidate: Candidate;
  pod: PodSpec;
  ledger: Ledger;
  /** Pod specs of the candidate's service by pod type, to know the tasks of other reserved pod instances. */
  servicePods: ReadonlyMap<string, PodSpec>;
  /**
   * Most agent outcomes returned: the winner first, then the rejected agents closest to fitting (fewest failing
   * stages). Default: 50 when nothing fits, 4 when an agent was chosen (explaining rejected agents costs more than
   * finding the winner, and is rarely read then).
   */
  maxOutcomes?: number;
  /**
   * Most agent outcomes returned when an agent was chosen (the winner first); 0 builds no outcome text at all.
   * Default: `maxOutcomes` when given, else 4.
   */
  maxOutcomesWithProposal?: number;
  /**
   * Index of the agent (in registration order, wrapping around) the search starts at. Concurrent evaluations given
   * different starts look at different agents first and rarely propose the same one. Default 0.
   */
  startAt?: number;
}

export interface EvaluationResult {
  proposal: Proposal | null;
  outcomes: AgentOutcome[];
}

export const DEFAULT_MAX_OUTCOMES = 50;
export const DEFAULT_MAX_OUTCOMES_WITH_PROPOSAL = 4;

const STAGE = {
  agent: 'AgentStatusStage',
  placement: 'PlacementRuleEvaluationStage',
  resource: 'ResourceEvaluationStage',
  port: 'PortEvaluationStage',
  volume: 'VolumeEvaluationStage',
  launch: 'LaunchEvaluationStage',
} as const;

/** Dynamic ports of pods on a virtual network come from here, unreserved (reference §5.3). */
const OVERLAY_DYNAMIC_PORTS = { begin: 1025, end: 2025 };

interface Context {
  candidate: Candidate;
  fp: Footprint;
  index: LedgerIndex;
  /** The reservation being relaunched in place, if any. */
  own: IndexedReservation | null;
  placement: CompiledRule | null;
}

interface AgentEvaluation {
  fails: number;
  ports: AllocatedPort[];
  volumes: AllocatedVolume[];
}

export function evaluate(input: EvaluationInput): EvaluationResult {
  const { candidate, pod, ledger } = input;
  checkInput(candidate, pod);
  const index = ledgerIndex(ledger);
  const ctx: Context = { candidate, fp: footprintOf(pod), index, own: null, placement: null };
  const requested = input.maxOutcomes === undefined ? undefined : Math.max(1, Math.floor(input.maxOutcomes));
  const kept = requested ?? DEFAULT_MAX_OUTCOMES;
  const placedLimit = Math.max(0, Math.floor(input.maxOutcomesWithProposal ?? requested ?? DEFAULT_MAX_OUTCOMES_WITH_PROPOSAL));

  const held = index.services.get(candidate.service)?.instances.get(instanceKey(candidate.podType, candidate.podIndex));
  if (held && held.size > 0 && candidate.recoveryType !== 'PERMANENT') {
    // While a replaced pod's old reservation is not released yet, the newest reservation is the pod's.
    let own = held.values().next().value as IndexedReservation;
    for (const e of held) if (e.reservedAt >= own.reservedAt) own = e;
    ctx.own = own;
    if (placedLimit === 0) {
      const quiet = evaluateAgent(ctx, own.agent, null);
      if (quiet.fails === 0) return { proposal: proposalOf(ctx, own.agent, quiet), outcomes: [] };
    }
    const outcomes: Outcome[] = [];
    const result = evaluateAgent(ctx, own.agent, outcomes);
    const ok = result.fails === 0;
    return {
      proposal: ok ? proposalOf(ctx, own.agent, result) : null,
      outcomes: [agentOutcome(own.agent, ok, outcomes)],
    };
  }

  const rule = placementRuleOf(pod.placement, pod.type);
  if (rule) {
    ctx.placement = compilePlacement(rule, {
      service: candidate.service,
      podType: candidate.podType,
      podIndex: candidate.podIndex,
      index,
      servicePods: input.servicePods,
    });
  }

  // Rejected agents by number of failing stages: the fewest failures are the most informative to show.
  const rejected: AgentState[][] = [];
  let winner: AgentState | undefined;
  let won: AgentEvaluation | undefined;
  const order = index.order;
  const n = order.length;
  const first = n === 0 ? 0 : Math.max(0, Math.floor(input.startAt ?? 0)) % n;
  for (let k = 0; k < n; k++) {
    const agent = order[first + k < n ? first + k : first + k - n];
    const result = evaluateAgent(ctx, agent, null);
    if (result.fails === 0) {
      winner = agent;
      won = result;
      break;
    }
    const bucket = (rejected[result.fails] ??= []);
    if (bucket.length < kept) bucket.push(agent);
  }
  const limit = winner ? placedLimit : (requested ?? DEFAULT_MAX_OUTCOMES);

  const outcomes: AgentOutcome[] = [];
  let proposal: Proposal | null = null;
  if (winner && won) {
    if (limit === 0) return { proposal: proposalOf(ctx, winner, won), outcomes };
    const lines: Outcome[] = [];
    proposal = proposalOf(ctx, winner, evaluateAgent(ctx, winner, lines));
    outcomes.push(agentOutcome(winner, true, lines));
  }
  for (const bucket of rejected) {
    for (const agent of bucket ?? []) {
      if (outcomes.length >= limit) break;
      const lines: Outcome[] = [];
      evaluateAgent(ctx, agent, lines);
      outcomes.push(agentOutcome(agent, false, lines));
    }
  }
  return { proposal, outcomes };
}

function checkInput(candidate: Candidate, pod: PodSpec): void {
  const where = `${candidate.service} ${podInstanceName(candidate.podType, candidate.podIndex)}`;
  if (candidate.podType !== pod.type) {
    throw new MarshalError('INVALID_ARGUMENT', `candidate ${where} is for pod type '${candidate.podType}' but the pod spec is '${pod.type}'`, [
      { path: 'pod.type', message: `expected '${candidate.podType}'` },
    ]);
  }
  if (!Number.isInteger(candidate.podIndex) || candidate.podIndex < 0) {
    throw new MarshalError('INVALID_ARGUMENT', `candidate ${where} has an invalid pod index ${candidate.podIndex}`, [
      { path: 'candidate.podIndex', message: 'must be an integer ≥ 0' },
    ]);
  }
  const unknown = candidate.tasks.filter((t) => !pod.tasks.some((spec) => spec.name === t));
  if (unknown.length > 0) {
    throw new MarshalError(
      'INVALID_ARGUMENT',
      `candidate ${where} launches tasks [${unknown.join(', ')}] that pod '${pod.type}' does not have (tasks: [${pod.tasks.map((t) => t.name).join(', ')}])`,
      unknown.map((t) => ({ path: 'candidate.tasks', message: `unknown task '${t}'` })),
    );
  }
}

function agentOutcome(agent: AgentState, ok: boolean, outcomes: Outcome[]): AgentOutcome {
  return { agentId: agent.agentId, hostname: agent.hostname, pass: ok, reasons: renderOutcomes(outcomes) };
}

function proposalOf(ctx: Context, agent: AgentState, result: AgentEvaluation): Proposal {
  const r = ctx.fp.required;
  const proposal: Proposal = {
    agentId: agent.agentId,
    hostname: agent.hostname,
    agentSeq: agent.seq,
    resources: { cpus: fromMilli(r.cpus), memory: fromMilli(r.memory), disk: fromMilli(r.disk), gpus: fromMilli(r.gpus) },
    ports: [...result.ports],
    volumes: [...result.volumes],
  };
  if (ctx.own) proposal.existingReservationId = ctx.own.res.reservationId;
  return proposal;
}

/** Runs every stage on one agent (no short-circuit, reference §5.1); strings are built only when `out` is given. */
function evaluateAgent(ctx: Context, agent: AgentState, out: Outcome[] | null): AgentEvaluation {
  const info = ctx.index.agents.get(agent.agentId) as AgentInfo;
  let fails = 0;
  if (agent.lost) {
    fails++;
    out?.push(fail(STAGE.agent, `agent ${agent.agentId} is lost`));
  }
  if (ctx.placement) {
    if (!ctx.placement.evaluate(agent, info, out)) fails++;
  } else if (!ctx.own) {
    out?.push(pass(STAGE.placement, 'No placement rule defined'));
  }
  fails += checkScalars(ctx, info, out);
  const ports = allocatePorts(ctx, info, out);
  const volumes = allocateVolumes(ctx, agent, info, out);
  fails += ports.fails + volumes.fails;
  if (out && fails === 0) {
    const launching = new Set(ctx.candidate.tasks);
    for (const rs of ctx.fp.resourceSets) {
      for (const task of rs.tasks) {
        out.push(
          pass(STAGE.launch, launching.has(task.name) ? `Added launch operation for ${task.name}` : `Added metadata update for ${task.name}`),
        );
      }
    }
  }
  return { fails, ports: ports.ports, volumes: volumes.volumes };
}

const SCALARS: readonly (keyof Milli)[] = ['cpus', 'memory', 'gpus', 'disk'];

/** The whole footprint must fit what is free, plus what the relaunched reservation already holds. */
function checkScalars(ctx: Context, info: AgentInfo, out: Outcome[] | null): number {
  const req = ctx.fp.required;
  const own = ctx.own?.milli;
  const { total, used } = info;
  if (!out) {
    // The hot path of every evaluation: no loop, no allocation.
    let fails = 0;
    if (req.cpus > 0 && req.cpus > total.cpus - used.cpus + (own ? own.cpus : 0)) fails++;
    if (req.memory > 0 && req.memory > total.memory - used.memory + (own ? own.memory : 0)) fails++;
    if (req.gpus > 0 && req.gpus > total.gpus - used.gpus + (own ? own.gpus : 0)) fails++;
    if (req.disk > 0 && req.disk > total.disk - used.disk + (own ? own.disk : 0)) fails++;
    return fails;
  }
  let fails = 0;
  for (const key of SCALARS) {
    const required = req[key];
    if (required === 0) continue;
    const offered = Math.max(0, total[key] - used[key] + (own ? own[key] : 0));
    const ok = required <= offered;
    if (!ok) fails++;
    const text = `${key}: ${formatScalar(fromMilli(offered))} offered, ${formatScalar(fromMilli(required))} required`;
    out.push(ok ? pass(STAGE.resource, `sufficient ${text}`) : fail(STAGE.resource, `insufficient ${text}`));
  }
  return fails;
}

const inRanges = (p: number, ranges: readonly Range[]): boolean => ranges.some((r) => p >= r.begin && p <= r.end);
const rangesText = (ranges: readonly Range[]): string =>
  ranges.length === 0 ? '[]' : `[${ranges.map((r) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`)).join(',')}]`;

function allocated(spec: PortSpec, port: number): AllocatedPort {
  const a: AllocatedPort = { name: spec.name, port, advertise: spec.advertise };
  if (spec.envKey !== undefined) a.envKey = spec.envKey;
  if (spec.vip !== undefined) a.vip = { port: spec.vip.port, prefix: spec.vip.prefix };
  return a;
}

/** First port, ascending, in the agent's ranges (and the port's own `ranges`, when given) that `ok` accepts. */
function firstPort(agentRanges: readonly Range[], wanted: readonly Range[], ok: (p: number) => boolean): number | undefined {
  for (const r of agentRanges) {
    const windows = wanted.length === 0 ? [r] : wanted
      .map((w) => ({ begin: Math.max(r.begin, w.begin), end: Math.min(r.end, w.end) }))
      .filter((w) => w.begin <= w.end)
      .sort((a, b) => a.begin - b.begin);
    for (const w of windows) for (let p = w.begin; p <= w.end; p++) if (ok(p)) return p;
  }
  return undefined;
}

/**
 * Ports (reference §5.3): static ones first, then dynamic ones (`port: 0`): on a relaunch the port this pod held
 * before (its reservation's ports, in order), else the first free port ascending that no task of the pod claims
 * statically, not taken earlier in this evaluation, inside the port's `ranges` when given.
 */
function allocatePorts(ctx: Context, info: AgentInfo, out: Outcome[] | null): { fails: number; ports: AllocatedPort[] } {
  const fp = ctx.fp;
  if (fp.ports.length === 0) return NO_PORTS;
  const own = ctx.own;
  const ports: AllocatedPort[] = new Array(fp.ports.length);
  const taken = new Set<number>();
  const heldByOthers = (p: number): boolean => (info.ports.get(p) ?? 0) - (own?.portSet.has(p) ? 1 : 0) > 0;
  let fails = 0;
  fp.ports.forEach(({ spec }, i) => {
    if (spec.port === 0) return;
    const p = spec.port;
    let why: string | undefined;
    if (fp.usesHostPorts) {
      if (taken.has(p)) why = `${p} is claimed by another port of this pod`;
      else if (!inRanges(p, info.sortedPortRanges)) why = `${p} is not offered (agent ports ${rangesText(info.sortedPortRanges)})`;
      else if (heldByOthers(p)) why = `${p} is already reserved on this agent`;
    }
    taken.add(p);
    ports[i] = allocated(spec, p);
    if (why) fails++;
    if (out) {
      out.push(
        why
          ? fail(STAGE.port, `port '${spec.name}': ${why}`)
          : pass(STAGE.port, fp.usesHostPorts ? `port '${spec.name}': ${p}` : `port '${spec.name}': ${p} (virtual network, not reserved)`),
      );
    }
  });
  fp.ports.forEach(({ spec }, i) => {
    if (spec.port !== 0) return;
    // Every static port of the pod is in `taken` by now, so a dynamic port never takes one (reference §5.3).
    const free = (p: number): boolean => !taken.has(p);
    let p: number | undefined;
    if (!fp.usesHostPorts) {
      p = firstPort([OVERLAY_DYNAMIC_PORTS], [], free);
    } else {
      const usable = (q: number): boolean => free(q) && !heldByOthers(q);
      if (own) {
        p = own.res.ports.find(
          (q) => usable(q) && inRanges(q, info.sortedPortRanges) && (spec.ranges.length === 0 || inRanges(q, spec.ranges)),
        );
      }
      p ??= firstPort(info.sortedPortRanges, spec.ranges, usable);
    }
    if (p === undefined) {
      fails++;
      ports[i] = allocated(spec, 0);
      if (out) {
        const within = spec.ranges.length > 0 ? ` within ${rangesText(spec.ranges)}` : '';
        const pool = fp.usesHostPorts ? `agent ports ${rangesText(info.sortedPortRanges)}` : `${rangesText([OVERLAY_DYNAMIC_PORTS])}`;
        out.push(fail(STAGE.port, `port '${spec.name}': no free port for dynamic claim${within} (${pool})`));
      }
      return;
    }
    taken.add(p);
    ports[i] = allocated(spec, p);
    out?.push(pass(STAGE.port, `port '${spec.name}': ${p} (dynamic)`));
  });
  return { fails, ports };
}

const NO_PORTS: { fails: number; ports: AllocatedPort[] } = Object.freeze({ fails: 0, ports: [] });
const NO_VOLUMES: { fails: number; volumes: AllocatedVolume[] } = Object.freeze({ fails: 0, volumes: [] });

const sameKind = (a: string, b: string): boolean => a === b || (a !== 'ROOT' && b !== 'ROOT');

/**
 * Volumes (reference §5.3): ROOT volumes are carved from disk (checked with the scalars); MOUNT and PATH volumes each
 * take one whole free mount disk with size ≥ requested and a matching profile (no profile when none is listed).
 * On a relaunch every volume the reservation already has (same path, kind and level, in order) keeps its
 * persistence id and disk. New persistence ids are `<pod>-<index>-<path>-<agent seq>`: the agent's ledger sequence
 * is consumed by the commit, so an id is never handed out twice.
 */
function allocateVolumes(ctx: Context, agent: AgentState, info: AgentInfo, out: Outcome[] | null): { fails: number; volumes: AllocatedVolume[] } {
  const fp = ctx.fp;
  if (fp.volumes.length === 0) return NO_VOLUMES;
  const own = ctx.own;
  const previous = own ? [...own.res.volumes] : [];
  const usedRoots = new Set<string>();
  const ids = new Set<string>();
  const heldByOthers = (root: string): boolean => (info.mounts.get(root) ?? 0) - (own?.mountRoots.has(root) ? 1 : 0) > 0;
  let fails = 0;
  const volumes: AllocatedVolume[] = [];
  for (const { spec, podLevel } of fp.volumes) {
    const at = previous.findIndex((v) => v.path === spec.path && v.podLevel === podLevel && sameKind(v.type, spec.type));
    const prev = at >= 0 ? previous.splice(at, 1)[0] : undefined;
    const persistenceId = prev?.persistenceId ?? newPersistenceId(ctx, agent, spec, ids);
    if (spec.type === 'ROOT') {
      volumes.push({ path: spec.path, type: spec.type, size: spec.size, persistenceId, podLevel });
      out?.push(pass(STAGE.volume, `ROOT volume '${spec.path}': ${spec.size} MB of disk, persistence id ${persistenceId}`));
      continue;
    }
    let disk = prev?.mountRoot !== undefined ? agent.resources.mounts.find((m) => m.root === prev.mountRoot && !usedRoots.has(m.root)) : undefined;
    disk ??= agent.resources.mounts.find(
      (m) =>
        !usedRoots.has(m.root) &&
        !heldByOthers(m.root) &&
        m.size >= spec.size &&
        (spec.profiles.length === 0 ? m.profile === undefined : m.profile !== undefined && spec.profiles.includes(m.profile)),
    );
    if (!disk) {
      fails++;
      volumes.push({ path: spec.path, type: spec.type, size: spec.size, persistenceId, podLevel });
      out?.push(fail(STAGE.volume, `Failed to find MOUNT volume for '${describeVolume(spec)}'.`));
      continue;
    }
    usedRoots.add(disk.root);
    volumes.push({ path: spec.path, type: spec.type, size: disk.size, persistenceId, mountRoot: disk.root, podLevel });
    out?.push(pass(STAGE.volume, `${spec.type} volume '${spec.path}': disk ${disk.root} (${disk.size} MB), persistence id ${persistenceId}`));
  }
  return { fails, volumes };
}

function describeVolume(spec: VolumeSpec): string {
  const profiles = spec.profiles.length > 0 ? `, profiles [${spec.profiles.join(', ')}]` : ', no profile';
  return `${spec.path}: ${spec.type} ≥ ${spec.size} MB${profiles}`;
}

function newPersistenceId(ctx: Context, agent: AgentState, spec: VolumeSpec, ids: Set<string>): string {
  const base = `${podInstanceName(ctx.candidate.podType, ctx.candidate.podIndex)}-${spec.path}-${agent.seq}`;
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  return id;
}
