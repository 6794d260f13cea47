import { agentAggregate, makeEvent, subjectsFor, type EventData, type EventType, type MarshalEvent } from '@marshal/contracts';
import { applyToLedger, emptyLedger, evaluate, freeResources, type AgentState, type Ledger } from '.';
import { candidate, pod, World } from '../test/fixtures';

const recorded = <T extends EventType>(seq: number, type: T, agentId: string, data: EventData<T>) => ({
  seq,
  subject: `marshal.evt.agent.${agentId}`,
  event: makeEvent(type, agentAggregate(agentId), data, { id: `e${seq}`, at: '2026-01-01T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 'x' }) as MarshalEvent,
});

describe('reservation ledger', () => {
  it('free resources are registered minus reserved, and come back on release', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 1.5, memory: 512 }] }));
    w.register('a1', { cpus: 4, memory: 2048 });
    const placed = w.place(candidate('hello', 0));
    expect(freeResources(w.ledger, 'a1')).toEqual({ cpus: 2.5, memory: 1536, disk: 10000, gpus: 0 });
    w.release('a1', placed.reservationId as string);
    expect(freeResources(w.ledger, 'a1')).toEqual({ cpus: 4, memory: 2048, disk: 10000, gpus: 0 });
    expect(w.ledger.agents.get('a1')?.reservations.size).toBe(0);
  });

  it('sums scalars exactly (0.1 + 0.2 cpus leave 0.7 of 1.0)', () => {
    const w = new World()
      .addPod(pod('a', { tasks: [{ name: 'server', cpus: 0.1 }] }))
      .addPod(pod('b', { tasks: [{ name: 'server', cpus: 0.2 }] }));
    w.register('a1', { cpus: 1 });
    w.place(candidate('a', 0));
    w.place(candidate('b', 0));
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(0.7);
  });

  it('a ResourcesReservedBatch folds like one ResourcesReserved per entry, moving the agent sequence once', () => {
    const entry = (n: number, cpus: number) => ({
      reservationId: `r${n}`, service: 'hello-world', podType: 'hello', podIndex: n, resources: { cpus, memory: 100, disk: 0, gpus: 0 }, ports: [10000 + n], volumes: [],
    });
    const one = new World().register('a1', { cpus: 4 });
    one.emit('ResourcesReserved', 'a1', { agentId: 'a1', ...entry(0, 1) });
    one.emit('ResourcesReserved', 'a1', { agentId: 'a1', ...entry(1, 0.5) });
    const many = new World().register('a1', { cpus: 4 });
    many.emit('ResourcesReservedBatch', 'a1', { agentId: 'a1', reservations: [entry(0, 1), entry(1, 0.5)] });
    expect(freeResources(many.ledger, 'a1')).toEqual(freeResources(one.ledger, 'a1'));
    expect([...(many.ledger.agents.get('a1') as AgentState).reservations.values()]).toEqual([...(one.ledger.agents.get('a1') as AgentState).reservations.values()]);
    expect(many.ledger.agents.get('a1')?.seq).toBe(2);
    // A placement rule counts them too.
    many.addPod(pod('hello', { count: 3, placement: 'hostname:MAX_PER:2' }));
    expect(many.evaluate(candidate('hello', 2)).proposal).toBeNull();
  });

  it('tracks the last sequence of each agent subject and of the ledger', () => {
    const w = new World().register('a1').register('a2');
    expect(w.ledger.seq).toBe(2);
    expect(w.ledger.agents.get('a1')?.seq).toBe(1);
    expect(w.ledger.agents.get('a2')?.seq).toBe(2);
    w.lose('a1');
    expect(w.ledger.agents.get('a1')).toMatchObject({ seq: 3, lost: true });
  });

  it('skips records it has folded already', () => {
    const w = new World().register('a1', { cpus: 4 });
    applyToLedger(
      w.ledger,
      recorded(1, 'AgentRegistered', 'a1', {
        agentId: 'a1',
        hostname: 'other',
        attributes: {},
        resources: { cpus: 1, memory: 1, disk: 1, gpus: 0, ports: [], mounts: [] },
      }),
    );
    expect(w.ledger.agents.get('a1')?.hostname).toBe('a1');
  });

  it('re-registration keeps reservations, updates resources and attributes, and clears lost', () => {
    const w = new World().addPod(pod('hello', { placement: 'rack:UNIQUE' }));
    w.register('a1', { cpus: 4, attributes: { rack: 'r1' } }).register('a2', { cpus: 4, attributes: { rack: 'r1' } });
    w.place(candidate('hello', 0));
    w.lose('a1');
    w.register('a1', { cpus: 8, attributes: { rack: 'r2' } });
    const a1 = w.ledger.agents.get('a1');
    expect(a1).toMatchObject({ lost: false, attributes: { rack: 'r2' } });
    expect(a1?.reservations.size).toBe(1);
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(7);
    // hello-0 now counts under rack r2, so rack r1 (a2) takes hello-1.
    expect(w.evaluate(candidate('hello', 1)).proposal?.agentId).toBe('a2');
  });

  it('a ResourcesReserved for a held reservation id replaces it (resize in place)', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 1 }] }));
    w.register('a1', { cpus: 4 });
    const placed = w.place(candidate('hello', 0));
    w.emit('ResourcesReserved', 'a1', {
      agentId: 'a1',
      reservationId: placed.reservationId as string,
      service: 'hello-world',
      podType: 'hello',
      podIndex: 0,
      resources: { cpus: 3, memory: 0, disk: 0, gpus: 0 },
      ports: [],
      volumes: [],
    });
    expect(w.ledger.agents.get('a1')?.reservations.size).toBe(1);
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(1);
  });

  it('keeps a reservation of an agent that never registered on a stub that offers nothing', () => {
    const w = new World().addPod(pod('hello'));
    w.reserveOn('ghost', 'hello', 0);
    expect(w.ledger.agents.get('ghost')).toMatchObject({ hostname: 'ghost', resources: { cpus: 0 } });
    w.register('ghost', { cpus: 2, hostname: 'ghost.example' });
    expect(w.ledger.agents.get('ghost')).toMatchObject({ hostname: 'ghost.example', resources: { cpus: 2 } });
    expect(w.ledger.agents.get('ghost')?.reservations.size).toBe(1);
  });

  it('moves an agent subject sequence for events it does not fold', () => {
    const w = new World().register('a1');
    applyToLedger(w.ledger, recorded(7, 'TaskKillRequested', 'a1', { service: 's', agentId: 'a1', taskId: 't', taskName: 'n', reason: 'r' }));
    expect(w.ledger.agents.get('a1')?.seq).toBe(7);
    expect(w.ledger.seq).toBe(7);
  });

  it('in any namespace: folds the agent events it knows, and of the others keeps only the sequences', () => {
    const subjects = subjectsFor('ledger-ns');
    const at = <T extends EventType>(seq: number, type: T, subject: string, agentId: string, data: EventData<T>) => ({
      ...recorded(seq, type, agentId, data),
      subject,
    });
    const ledger = emptyLedger();
    const agent = { agentId: 'a/1', hostname: 'h1', attributes: {}, resources: { cpus: 2, memory: 1024, disk: 0, gpus: 0, ports: [], mounts: [] } };
    applyToLedger(ledger, at(1, 'AgentRegistered', subjects.agent('a/1'), 'a/1', agent), subjects);
    applyToLedger(ledger, at(2, 'ResourcesReserved', subjects.agent('a/1'), 'a/1', {
      agentId: 'a/1', reservationId: 'r1', service: 's', podType: 'p', podIndex: 0, resources: { cpus: 0.5, memory: 0, disk: 0, gpus: 0 }, ports: [], volumes: [],
    }), subjects);
    expect(freeResources(ledger, 'a/1')?.cpus).toBe(1.5);
    expect(ledger.agents.get('a/1')?.seq).toBe(2);

    const kill = { service: 's', agentId: 'a/1', taskId: 't', taskName: 'n', reason: 'r' };
    applyToLedger(ledger, at(3, 'TaskKillRequested', subjects.agent('a/1'), 'a/1', kill), subjects);
    expect(ledger.agents.get('a/1')).toMatchObject({ seq: 3, lost: false });
    expect(ledger.agents.get('a/1')?.reservations.size).toBe(1);
    expect(freeResources(ledger, 'a/1')?.cpus).toBe(1.5);
    expect(ledger.seq).toBe(3);

    // Not an agent subject (a task subject; an agent subject of another namespace): only the ledger's sequence moves.
    applyToLedger(ledger, at(4, 'TaskKillRequested', subjects.serviceTask('s', 'a/1'), 'a/1', kill), subjects);
    applyToLedger(ledger, at(5, 'TaskKillRequested', subjectsFor('other').agent('a/1'), 'a/1', kill), subjects);
    expect(ledger.agents.get('a/1')?.seq).toBe(3);
    expect(ledger.seq).toBe(5);
  });

  it('indexes a ledger built by other means (a snapshot) on first use', () => {
    const agent = (agentId: string): AgentState => ({
      agentId,
      hostname: agentId,
      attributes: {},
      resources: { cpus: 2, memory: 1024, disk: 0, gpus: 0, ports: [], mounts: [] },
      lost: false,
      seq: 1,
      reservations: new Map(),
    });
    const a1 = agent('a1');
    a1.reservations.set('r1', {
      reservationId: 'r1', service: 'hello-world', podType: 'hello', podIndex: 0,
      resources: { cpus: 1, memory: 0, disk: 0, gpus: 0 }, ports: [], volumes: [],
    });
    const ledger: Ledger = { agents: new Map([['a1', a1], ['a2', agent('a2')]]), seq: 2 };
    expect(freeResources(ledger, 'a1')?.cpus).toBe(1);
    const spec = pod('hello', { placement: 'hostname:UNIQUE' });
    const result = evaluate({ candidate: candidate('hello', 1), pod: spec, ledger, servicePods: new Map([['hello', spec]]) });
    expect(result.proposal?.agentId).toBe('a2');
  });
});
