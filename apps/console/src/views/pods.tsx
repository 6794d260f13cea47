import type { AgentBody } from '@marshal/contracts';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { confirmAction, ErrorLine, Status } from '../components';
import { useLive } from '../live';
import { may, type Role } from '../session';

type PodAction = 'restart' | 'replace';

/** Where each pod instance is reserved (`hello-0` → agent and ports), from `GET /v1/agents`. */
function placements(agents: AgentBody[], service: string): Map<string, { agent: string; hostname: string; ports: number[] }> {
  const m = new Map<string, { agent: string; hostname: string; ports: number[] }>();
  for (const a of agents) for (const r of a.reservations) {
    if (r.service !== service) continue;
    const key = `${r.podType}-${r.podIndex}`;
    const cur = m.get(key) ?? { agent: a.agentId, hostname: a.hostname, ports: [] };
    cur.ports.push(...r.ports);
    m.set(key, cur);
  }
  return m;
}

export function PodsView({ service, role }: { service: string; role: Role | undefined }) {
  const pods = useLive(
    async (signal) => {
      const [status, agents] = await Promise.all([api.get('GET /v1/pod/status', { service, signal }), api.get('GET /v1/agents', { signal })]);
      return { status, where: placements(agents, service) };
    },
    [service],
  );
  const [outcome, setOutcome] = useState<{ text: string; error: boolean; command?: string } | undefined>(undefined);
  const canAct = may(role, 'operator');
  const run = async (pod: string, action: PodAction): Promise<void> => {
    const what = action === 'replace' ? `Replace pod ${pod}: its tasks are killed and relaunched on new resources, its persistent volumes are lost.` : `Restart pod ${pod}: its tasks are killed and relaunched in place.`;
    if (!(await confirmAction(what))) return;
    try {
      const r = await api.call(action === 'restart' ? 'POST /v1/pod/{pod}/restart' : 'POST /v1/pod/{pod}/replace', { service, params: { pod } });
      setOutcome({ text: `${action === 'restart' ? 'Restarting' : 'Replacing'} ${r.body.pod}: ${r.body.tasks.join(', ')}`, error: false, command: r.command ?? undefined });
    } catch (e) {
      setOutcome({ text: (e as Error).message, error: true });
    }
  };
  const instances = pods.data?.status.pods?.flatMap((p) => p.instances) ?? [];
  return (
    <section class="card">
      <h3>Pods</h3>
      <ErrorLine error={pods.error} />
      {outcome ? (
        <p class={outcome.error ? 'error' : 'note'} role="status" data-testid="command-outcome">
          {outcome.text}
          {outcome.command ? (
            <>
              {' '}
              <a href={`#/chain/${encodeURIComponent(outcome.command)}`}>Causal chain</a>
            </>
          ) : null}
        </p>
      ) : null}
      {pods.data && instances.length === 0 ? <p>No pods yet.</p> : null}
      <div class="table-wrap">
        <table class="pods">
          <thead>
            <tr>
              <th>Pod</th>
              <th>Task</th>
              <th>Status</th>
              <th>Task id</th>
              <th>Agent</th>
              <th>Ports</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {instances.map((inst) => {
              const where = pods.data?.where.get(inst.name);
              return inst.tasks.map((t, i) => (
                <tr key={`${inst.name}/${t.name}`} data-testid="pod-task" data-pod={inst.name} data-task={t.name}>
                  <td>{i === 0 ? inst.name : ''}</td>
                  <td>{t.name}</td>
                  <td>
                    <Status status={t.status} />
                  </td>
                  <td>
                    <code data-testid="task-id">{t.id}</code>
                  </td>
                  <td>{where ? `${where.agent} (${where.hostname})` : ''}</td>
                  <td>{where?.ports.join(', ')}</td>
                  <td>
                    {i === 0 && canAct ? (
                      <span class="actions" role="group" aria-label={`actions on pod ${inst.name}`}>
                        <button class="act danger" data-action="pod-restart" onClick={() => void run(inst.name, 'restart')}>
                          Restart
                        </button>
                        <button class="act danger" data-action="pod-replace" onClick={() => void run(inst.name, 'replace')}>
                          Replace
                        </button>
                      </span>
                    ) : null}
                  </td>
                </tr>
              ));
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
