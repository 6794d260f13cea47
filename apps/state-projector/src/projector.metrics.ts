import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSource } from '@marshal/runtime';

/**
 * The projector's Prometheus metrics (GET /metrics on HEALTH_PORT). Lag is head − checkpoint in events: how far the
 * queries are behind the log.
 */
export class ProjectorMetrics {
  readonly registry = new Registry();
  readonly checkpoint = new Gauge({ name: 'marshal_projector_checkpoint', help: 'Last log sequence in the read models, by generation role', labelNames: ['role'], registers: [this.registry] });
  readonly head = new Gauge({ name: 'marshal_log_head_sequence', help: 'Last sequence of the event log', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'marshal_projection_lag_events', help: 'Events in the log not yet in the active read models (head − checkpoint)', registers: [this.registry] });
  readonly generation = new Gauge({ name: 'marshal_projection_generation', help: 'Read-model generation, by role (active, building)', labelNames: ['role'], registers: [this.registry] });
  readonly events = new Counter({ name: 'marshal_projector_events_total', help: 'Events projected, by generation role', labelNames: ['role'], registers: [this.registry] });
  readonly batches = new Histogram({
    name: 'marshal_projector_batch_seconds',
    help: 'Time to project one batch (one transaction), by generation role',
    labelNames: ['role'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Records the log's head and the active checkpoint, and the lag between them. */
  position(head: number, active: number): void {
    this.head.set(head);
    this.checkpoint.set({ role: 'active' }, active);
    this.lag.set(Math.max(0, head - active));
  }

  /** The metrics, after `refresh` (a failed refresh serves the last figures and is said through `failed`). */
  source(refresh: () => Promise<void>, failed: (e: unknown) => void): MetricsSource {
    return async () => {
      await refresh().catch(failed);
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    };
  }
}
