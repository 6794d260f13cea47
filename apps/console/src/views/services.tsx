import type { ServiceSummary } from '@marshal/contracts';
import { ErrorLine, Status } from '../components';
import type { Loaded } from '../live';

/** Every installed service with its deploy status and the errors of its last rejected update. */
export function ServicesView({ current, services }: { current?: string; services: Loaded<ServiceSummary[]> }) {
  return (
    <nav class="services" aria-label="services">
      <h2>Services</h2>
      <ErrorLine error={services.error} />
      {services.data?.length === 0 ? <p>No service is installed.</p> : null}
      <ul>
        {services.data?.map((s) => (
          <li key={s.name} data-testid="service" data-service={s.name}>
            <a href={`#/service/${encodeURIComponent(s.name)}/plans`} class={s.name === current ? 'on' : ''} aria-current={s.name === current ? 'page' : undefined}>
              <span class="service-name">{s.name}</span> <Status status={s.deployStatus} />
              <div class="sub">
                {s.packageName ?? ''} {s.packageVersion ?? ''}
              </div>
              {s.lastErrors.length > 0 ? <div class="error">{s.lastErrors.length} error(s) in the last update</div> : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
