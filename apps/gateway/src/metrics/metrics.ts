import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReadModelQueries } from '@marshal/persistence';

/** Prometheus metrics of the gateway and of what the read models say (plans, steps, agents, projection). */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'marshal_http_request_duration_seconds',
    help: 'Duration of HTTP requests served by the gateway',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Requests the auth guard refused: a forged or misdirected call shows here and in the log. */
  readonly authRefusals = new Counter({
    name: 'marshal_gateway_auth_refusals_total',
    help: 'Requests refused by the gateway for a missing or unknown token (unauthenticated) or a role too low (forbidden)',
    labelNames: ['reason', 'method', 'route'],
    registers: [this.registry],
  });

  constructor(queries: ReadModelQueries) {
    collectDefaultMetrics({ register: this.registry, prefix: 'marshal_gateway_' });
    new Gauge({
      name: 'marshal_plan_steps',
      help: 'Steps of each plan by displayed status',
      labelNames: ['service', 'plan', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await queries.stepCounts()) this.set({ service: r.service, plan: r.plan, status: r.status }, r.count);
      },
    });
    new Gauge({
      name: 'marshal_agents',
      help: 'Registered agents by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const agents = await queries.agents();
        this.set({ state: 'active' }, agents.filter((a) => !a.lost).length);
        this.set({ state: 'lost' }, agents.filter((a) => a.lost).length);
      },
    });
    new Gauge({
      name: 'marshal_read_model_sequence',
      help: 'Last log sequence applied to the read models',
      registers: [this.registry],
      async collect() {
        this.set(await queries.checkpoint());
      },
    });
  }
}
