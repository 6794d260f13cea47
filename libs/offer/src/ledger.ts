import {
  subjectsFor,
  type AgentIdentity,
  type AllocatedVolume,
  type MarshalEvent,
  type Recorded,
  type ScalarResources,
  type Subjects,
} from '@marshal/contracts';

/**
 * The reservation ledger: every agent's registered resources and the reservations committed on it, folded from the
 * events of `<ns>.evt.agent.>`. An agent's free resources (what the original called an offer) are its registered
 * resources minus its reservations.
 */

/** One pod instance's whole footprint on one agent (reference §5.2.1): all its resource sets and pod volumes. */
export interface Reservation {
  reservationId: string;
  service: string;
  podType: string;
  podIndex: number;
  resources: ScalarResources;
  /** Host ports held, in the order of the proposal they came from (see `toReservation`). */
  ports: number[];
  volumes: AllocatedVolume[];
}

export interface AgentState extends AgentIdentity {
  lost: boolean;
  /** Last sequence of this agent's ledger subject (the commit's expectation). */
  seq: number;
  reservations: Map<string, Reservation>;
}

export interface Ledger {
  agents: Map<string, AgentState>;
  /** Last stream sequence folded. */
  seq: number;
}

/** Scalars in thousandths, so sums and differences are exact (Mesos keeps three decimals too). */
export interface Milli {
  cpus: number;
  memory: number;
  disk: number;
  gpus: number;
}

export const toMilli = (v: number): number => Math.round(v * 1000);
export const fromMilli = (v: number): number => v / 1000;
export const milliOf = (r: ScalarResources): Milli => ({
  cpus: toMilli(r.cpus),
  memory: toMilli(r.memory),
  disk: toMilli(r.disk),
  gpus: toMilli(r.gpus),
});

/** What the index knows of a reservation, with the agent keys it was indexed under (for exact removal). */
export interface IndexedReservation {
  res: Reservation;
  agent: AgentState;
  /** Stream sequence of the ResourcesReserved that made it (0 when unknown): the newest one of a pod instance wins. */
  reservedAt: number;
  hostname: string;
  zone?: string;
  region?: string;
  attrs: readonly string[];
  /** Lower-cased attribute name → value of the first attribute with that name (round-robin by attribute). */
  attrValues: ReadonlyMap<string, string>;
  milli: Milli;
  portSet: ReadonlySet<number>;
  mountRoots: ReadonlySet<string>;
}

export type KeyIndex = Map<string, Set<IndexedReservation>>;

/** Reservations of one pod type of one service, by every placement key (reference §5.4 "Offer keys"). */
export interface TypeIndex {
  entries: Set<IndexedReservation>;
  byHostname: KeyIndex;
  byZone: KeyIndex;
  byRegion: KeyIndex;
  byAttr: KeyIndex;
  byAttrValue: Map<string, KeyIndex>;
  byAgent: KeyIndex;
}

export interface ServiceIndex {
  types: Map<string, TypeIndex>;
  /** `<podType>\0<index>` → the pod instance's reservations (two while a replaced pod's old one is not released). */
  instances: Map<string, Set<IndexedReservation>>;
}

/** Per-agent derived data: what its reservations use, and its attribute strings. */
export interface AgentInfo {
  /** Registered scalars in thousandths. */
  total: Milli;
  used: Milli;
  ports: Map<number, number>;
  mounts: Map<string, number>;
  attrStrings: string[];
  /** Lower-cased attribute name → value of the first attribute with that name; shared by its reservations' entries. */
  attrValues: Map<string, string>;
  sortedPortRanges: { begin: number; end: number }[];
}

export interface LedgerIndex {
  services: Map<string, ServiceIndex>;
  agents: Map<string, AgentInfo>;
  reservations: Map<string, IndexedReservation>;
  /** Agents in registration order (the ledger's own order), for searches that start part-way. */
  order: AgentState[];
}

const INDEXES = new WeakMap<Ledger, LedgerIndex>();
const DEFAULT_SUBJECTS = subjectsFor();

export function emptyLedger(): Ledger {
  const ledger: Ledger = { agents: new Map(), seq: 0 };
  INDEXES.set(ledger, { services: new Map(), agents: new Map(), reservations: new Map(), order: [] });
  return ledger;
}

/**
 * The incremental indexes of a ledger, kept by {@link applyToLedger}. A ledger built by other means gets its index
 * built on first use; mutating a ledger by hand after that leaves the index stale.
 */
export function ledgerIndex(ledger: Ledger): LedgerIndex {
  let index = INDEXES.get(ledger);
  if (!index) {
    index = { services: new Map(), agents: new Map(), reservations: new Map(), order: [...ledger.agents.values()] };
    for (const agent of ledger.agents.values()) {
      index.agents.set(agent.agentId, agentInfoOf(agent));
      for (const res of agent.reservations.values()) indexReservation(index, agent, res, 0);
    }
    INDEXES.set(ledger, index);
  }
  return index;
}

export const instanceKey = (podType: string, podIndex: number): string => `${podType}\u0000${podIndex}`;
const reservationKey = (agentId: string, reservationId: string): string => `${agentId}\u0000${reservationId}`;

/**
 * Folds one event of `<ns>.evt.agent.>` (AgentRegistered, ResourcesReserved, ResourcesReservedBatch,
 * ResourcesReleased, AgentLost); any other event only moves the ledger's sequence and, on an agent subject, that
 * agent's. Callers hand it every event of the agent subjects and let it decide. Mutates the ledger in place for speed;
 * deterministic. Re-registration of an agent keeps its reservations and updates resources/attributes. A
 * ResourcesReserved for a reservation id the agent already holds replaces it (a relaunch growing or shrinking in
 * place). Records at or below `ledger.seq` were folded already and are skipped.
 *
 * `subjects` are those of the namespace the records come from (the default namespace's when omitted): an agent
 * subject of another namespace is not recognised as one.
 */
export function applyToLedger(ledger: Ledger, rec: Recorded<MarshalEvent>, subjects: Subjects = DEFAULT_SUBJECTS): void {
  if (rec.seq <= ledger.seq) return;
  const index = ledgerIndex(ledger);
  ledger.seq = rec.seq;
  const event = rec.event;
  switch (event.type) {
    case 'AgentRegistered': {
      const d = event.data;
      const existing = ledger.agents.get(d.agentId);
      if (existing) {
        const keysChanged =
          existing.hostname !== d.hostname ||
          existing.zone !== d.zone ||
          existing.region !== d.region ||
          !sameRecord(existing.attributes, d.attributes);
        const held = keysChanged
          ? [...existing.reservations.values()].map((res) => ({
              res,
              reservedAt: index.reservations.get(reservationKey(existing.agentId, res.reservationId))?.reservedAt ?? 0,
            }))
          : [];
        for (const { res } of held) unindexReservation(index, existing, res.reservationId);
        existing.hostname = d.hostname;
        existing.attributes = { ...d.attributes };
        setOptional(existing, 'zone', d.zone);
        setOptional(existing, 'region', d.region);
        existing.resources = d.resources;
        existing.lost = false;
        existing.seq = rec.seq;
        const info = agentInfoOf(existing);
        const old = index.agents.get(d.agentId);
        if (old) {
          info.used = old.used;
          info.ports = old.ports;
          info.mounts = old.mounts;
        }
        index.agents.set(d.agentId, info);
        for (const { res, reservedAt } of held) indexReservation(index, existing, res, reservedAt);
      } else {
        const agent: AgentState = {
          agentId: d.agentId,
          hostname: d.hostname,
          attributes: { ...d.attributes },
          resources: d.resources,
          lost: false,
          seq: rec.seq,
          reservations: new Map(),
        };
        setOptional(agent, 'zone', d.zone);
        setOptional(agent, 'region', d.region);
        ledger.agents.set(d.agentId, agent);
        index.agents.set(d.agentId, agentInfoOf(agent));
        index.order.push(agent);
      }
      return;
    }
    case 'ResourcesReserved': {
      const agent = agentOrStub(ledger, index, event.data.agentId);
      agent.seq = rec.seq;
      reserve(index, agent, event.data, rec.seq);
      return;
    }
    case 'ResourcesReservedBatch': {
      const agent = agentOrStub(ledger, index, event.data.agentId);
      agent.seq = rec.seq;
      for (const r of event.data.reservations) reserve(index, agent, r, rec.seq);
      return;
    }
    case 'ResourcesReleased': {
      const d = event.data;
      const agent = ledger.agents.get(d.agentId);
      if (!agent) return;
      agent.seq = rec.seq;
      if (agent.reservations.has(d.reservationId)) {
        unindexReservation(index, agent, d.reservationId);
        agent.reservations.delete(d.reservationId);
      }
      return;
    }
    case 'AgentLost': {
      const agent = ledger.agents.get(event.data.agentId);
      if (!agent) return;
      agent.seq = rec.seq;
      agent.lost = true;
      return;
    }
    default: {
      // Any other event on an agent subject still moves that subject's sequence, which commits must expect.
      const parsed = subjects.parse(rec.subject);
      const agent = parsed?.kind === 'agent' ? ledger.agents.get(parsed.agentId) : undefined;
      if (agent) agent.seq = rec.seq;
    }
  }
}

/** A reservation for a reservation id the agent already holds replaces it (a relaunch growing or shrinking in place). */
function reserve(index: LedgerIndex, agent: AgentState, d: Reservation, reservedAt: number): Reservation {
  if (agent.reservations.has(d.reservationId)) unindexReservation(index, agent, d.reservationId);
  const res: Reservation = {
    reservationId: d.reservationId,
    service: d.service,
    podType: d.podType,
    podIndex: d.podIndex,
    resources: { ...d.resources },
    ports: [...d.ports],
    volumes: d.volumes.map((v) => ({ ...v })),
  };
  agent.reservations.set(d.reservationId, res);
  indexReservation(index, agent, res, reservedAt);
  return res;
}

/**
 * Counts a reservation that is only proposed (by an evaluation batch, before anything is committed) as if it were
 * held, so later evaluations of the batch see it; returns what undoes it exactly, the replaced reservation included.
 * Neither the agent's sequence nor the ledger's moves. Undo in reverse order of reserving.
 */
export function reserveTentatively(ledger: Ledger, agentId: string, reservation: Reservation): () => void {
  const index = ledgerIndex(ledger);
  const agent = ledger.agents.get(agentId);
  if (!agent) throw new Error(`reserveTentatively: unknown agent ${agentId}`);
  const previous = agent.reservations.get(reservation.reservationId);
  const previousAt = previous ? (index.reservations.get(reservationKey(agentId, previous.reservationId))?.reservedAt ?? 0) : 0;
  reserve(index, agent, reservation, Number.MAX_SAFE_INTEGER);
  return () => {
    unindexReservation(index, agent, reservation.reservationId);
    agent.reservations.delete(reservation.reservationId);
    if (previous) {
      agent.reservations.set(previous.reservationId, previous);
      indexReservation(index, agent, previous, previousAt);
    }
  };
}

function setOptional(agent: AgentState, key: 'zone' | 'region', value: string | undefined): void {
  if (value === undefined) delete agent[key];
  else agent[key] = value;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** A reservation for an agent that never registered is kept on a stub agent with nothing to offer. */
function agentOrStub(ledger: Ledger, index: LedgerIndex, agentId: string): AgentState {
  let agent = ledger.agents.get(agentId);
  if (!agent) {
    agent = {
      agentId,
      hostname: agentId,
      attributes: {},
      resources: { cpus: 0, memory: 0, disk: 0, gpus: 0, ports: [], mounts: [] },
      lost: false,
      seq: 0,
      reservations: new Map(),
    };
    ledger.agents.set(agentId, agent);
    index.agents.set(agentId, agentInfoOf(agent));
    index.order.push(agent);
  }
  return agent;
}

function agentInfoOf(agent: AgentState): AgentInfo {
  const attrValues = new Map<string, string>();
  for (const [name, value] of Object.entries(agent.attributes)) {
    const lower = name.toLowerCase();
    if (!attrValues.has(lower)) attrValues.set(lower, value);
  }
  const info: AgentInfo = {
    total: milliOf(agent.resources),
    used: { cpus: 0, memory: 0, disk: 0, gpus: 0 },
    ports: new Map(),
    mounts: new Map(),
    attrStrings: Object.entries(agent.attributes).map(([k, v]) => `${k}:${v}`),
    attrValues,
    sortedPortRanges: [...agent.resources.ports].sort((a, b) => a.begin - b.begin),
  };
  return info;
}

const NO_KEYS: ReadonlySet<never> = new Set();

function emptyTypeIndex(): TypeIndex {
  return {
    entries: new Set(),
    byHostname: new Map(),
    byZone: new Map(),
    byRegion: new Map(),
    byAttr: new Map(),
    byAttrValue: new Map(),
    byAgent: new Map(),
  };
}

function addKey(map: KeyIndex, key: string, e: IndexedReservation): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(e);
}

function removeKey(map: KeyIndex, key: string, e: IndexedReservation): void {
  const set = map.get(key);
  if (set && set.delete(e) && set.size === 0) map.delete(key);
}

const bump = <K>(map: Map<K, number>, key: K, by: number): void => {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
};

function indexReservation(index: LedgerIndex, agent: AgentState, res: Reservation, reservedAt: number): void {
  // Agent-level keys are the agent's info's own (computed once per registration); they are replaced, never mutated.
  const info = index.agents.get(agent.agentId) as AgentInfo;
  const attrValues = info.attrValues;
  const mounted = res.volumes.some((v) => v.mountRoot !== undefined);
  const e: IndexedReservation = {
    res,
    agent,
    reservedAt,
    hostname: agent.hostname,
    attrs: info.attrStrings,
    attrValues,
    milli: milliOf(res.resources),
    portSet: res.ports.length === 0 ? NO_KEYS : new Set(res.ports),
    mountRoots: mounted ? new Set(res.volumes.flatMap((v) => (v.mountRoot === undefined ? [] : [v.mountRoot]))) : NO_KEYS,
  };
  if (agent.zone !== undefined) e.zone = agent.zone;
  if (agent.region !== undefined) e.region = agent.region;
  index.reservations.set(reservationKey(agent.agentId, res.reservationId), e);

  info.used.cpus += e.milli.cpus;
  info.used.memory += e.milli.memory;
  info.used.disk += e.milli.disk;
  info.used.gpus += e.milli.gpus;
  for (const p of e.portSet) bump(info.ports, p, 1);
  for (const m of e.mountRoots) bump(info.mounts, m, 1);

  let svc = index.services.get(res.service);
  if (!svc) index.services.set(res.service, (svc = { types: new Map(), instances: new Map() }));
  let t = svc.types.get(res.podType);
  if (!t) svc.types.set(res.podType, (t = emptyTypeIndex()));
  t.entries.add(e);
  addKey(t.byHostname, e.hostname, e);
  if (e.zone !== undefined) addKey(t.byZone, e.zone, e);
  if (e.region !== undefined) addKey(t.byRegion, e.region, e);
  for (const a of e.attrs) addKey(t.byAttr, a, e);
  for (const [name, value] of attrValues) {
    let m = t.byAttrValue.get(name);
    if (!m) t.byAttrValue.set(name, (m = new Map()));
    addKey(m, value, e);
  }
  addKey(t.byAgent, agent.agentId, e);
  addKey(svc.instances, instanceKey(res.podType, res.podIndex), e);
}

function unindexReservation(index: LedgerIndex, agent: AgentState, reservationId: string): void {
  const key = reservationKey(agent.agentId, reservationId);
  const e = index.reservations.get(key);
  if (!e) return;
  index.reservations.delete(key);
  const info = index.agents.get(agent.agentId) as AgentInfo;
  info.used.cpus -= e.milli.cpus;
  info.used.memory -= e.milli.memory;
  info.used.disk -= e.milli.disk;
  info.used.gpus -= e.milli.gpus;
  for (const p of e.portSet) bump(info.ports, p, -1);
  for (const m of e.mountRoots) bump(info.mounts, m, -1);

  const svc = index.services.get(e.res.service);
  const t = svc?.types.get(e.res.podType);
  if (!svc || !t) return;
  t.entries.delete(e);
  removeKey(t.byHostname, e.hostname, e);
  if (e.zone !== undefined) removeKey(t.byZone, e.zone, e);
  if (e.region !== undefined) removeKey(t.byRegion, e.region, e);
  for (const a of e.attrs) removeKey(t.byAttr, a, e);
  for (const [name, value] of e.attrValues) {
    const m = t.byAttrValue.get(name);
    if (m) {
      removeKey(m, value, e);
      if (m.size === 0) t.byAttrValue.delete(name);
    }
  }
  removeKey(t.byAgent, agent.agentId, e);
  removeKey(svc.instances, instanceKey(e.res.podType, e.res.podIndex), e);
  if (t.entries.size === 0) svc.types.delete(e.res.podType);
  if (svc.types.size === 0) index.services.delete(e.res.service);
}

/** What is free on an agent, in thousandths; never negative (an agent may re-register smaller than it holds). */
export function freeMilli(info: AgentInfo): Milli {
  return {
    cpus: Math.max(0, info.total.cpus - info.used.cpus),
    memory: Math.max(0, info.total.memory - info.used.memory),
    disk: Math.max(0, info.total.disk - info.used.disk),
    gpus: Math.max(0, info.total.gpus - info.used.gpus),
  };
}

/** An agent's free resources as plain numbers, for status pages and tests. */
export function freeResources(ledger: Ledger, agentId: string): ScalarResources | undefined {
  const agent = ledger.agents.get(agentId);
  if (!agent) return undefined;
  const info = ledgerIndex(ledger).agents.get(agentId) as AgentInfo;
  const f = freeMilli(info);
  return { cpus: fromMilli(f.cpus), memory: fromMilli(f.memory), disk: fromMilli(f.disk), gpus: fromMilli(f.gpus) };
}
