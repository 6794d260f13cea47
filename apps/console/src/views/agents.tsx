import { api } from '../api';
import { ErrorLine } from '../components';
import { useLive } from '../live';

function fmt(n: number | undefined): string {
  return n === undefined ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Agents: resources used and free per type, attributes, zone, reservations (tasks), lost state. */
export function AgentsView() {
  const agents = useLive((signal) => api.get('GET /v1/agents', { signal }), []);
  return (
    <section class="card">
      <h2>Agents</h2>
      <ErrorLine error={agents.error} />
      <div class="table-wrap">
        <table data-testid="agents">
          <thead>
            <tr>
              <th>Agent</th>
              <th>State</th>
              <th>Zone</th>
              <th>Attributes</th>
              <th>Resources (used / total)</th>
              <th>Reservations</th>
            </tr>
          </thead>
          <tbody>
            {agents.data?.map((a) => {
              const used: Record<string, number> = {};
              for (const r of a.reservations) for (const [k, v] of Object.entries(r.resources as Record<string, number | undefined>)) used[k] = (used[k] ?? 0) + (v ?? 0);
              const total = a.resources as unknown as Record<string, unknown>;
              return (
                <tr key={a.agentId} data-testid="agent" class={a.lost ? 'lost' : ''}>
                  <td>
                    <strong>{a.agentId}</strong>
                    <div class="sub">{a.hostname}</div>
                  </td>
                  <td>{a.lost ? `lost${a.lostReason ? `: ${a.lostReason}` : ''}` : 'active'}</td>
                  <td>{[a.region, a.zone].filter(Boolean).join(' / ')}</td>
                  <td>
                    {Object.entries(a.attributes).map(([k, v]) => (
                      <span key={k} class="tag">
                        {k}={v}
                      </span>
                    ))}
                  </td>
                  <td>
                    {Object.entries(total)
                      .filter(([, v]) => typeof v === 'number')
                      .map(([k, v]) => (
                        <div key={k}>
                          {k}: {fmt(used[k] ?? 0)} / {fmt(v as number)} <span class="sub">({fmt((v as number) - (used[k] ?? 0))} free)</span>
                        </div>
                      ))}
                  </td>
                  <td>
                    {a.reservations.map((r) => (
                      <div key={r.reservationId}>
                        {r.service} {r.podType}-{r.podIndex}
                        {r.ports.length ? ` ports ${r.ports.join(',')}` : ''}
                      </div>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
