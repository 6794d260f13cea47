import { api } from '../api';
import { ErrorLine } from '../components';
import { shortTime } from '../format';
import { useLive } from '../live';

/** "Why is this step not placed": the coordinator's outcomes for pending steps and recent offers (`/v2/debug/offers`). */
export function PlacementView({ service }: { service: string }) {
  const offers = useLive((signal) => api.get('GET /v2/debug/offers', { service, signal }), [service]);
  const d = offers.data;
  return (
    <section class="card">
      <h3>Placement</h3>
      <ErrorLine error={offers.error} />
      {d ? (
        <>
          <p>
            {d.acceptedCount} accepted, {d.rejectedCount} rejected evaluations.
          </p>
          <h4>Steps waiting for resources</h4>
          {d.pending.length === 0 ? <p>None: every candidate step found an agent.</p> : null}
          <ul data-testid="pending-steps">
            {d.pending.map((p) => (
              <li key={p.stepId}>
                <strong>{p['pod-instance-name']}</strong> ({p.plan} / {p.step}) at {shortTime(new Date(p.timestamp).toISOString())}
                <pre class="why">{p.summary}</pre>
              </li>
            ))}
          </ul>
          <h4>Recent evaluations</h4>
          <ul class="offers">
            {d.offers.slice(-30).reverse().map((o, i) => (
              <li key={i} class={o.outcome === 'pass' ? 'pass' : 'fail'}>
                {shortTime(new Date(o.timestamp).toISOString())} <strong>{o['pod-instance-name']}</strong> {o.outcome}
                <pre class="why">{o.explanation.join('\n')}</pre>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
