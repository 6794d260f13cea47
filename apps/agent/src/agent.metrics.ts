import { Counter, Gauge, register, type Registry } from 'prom-client';
import type { SpoolMetrics } from './status-spool';

/**
 * The agent's Prometheus metrics (GET /metrics on HEALTH_PORT), in prom-client's global registry so the event
 * transport's counters are served next to them.
 */
export class AgentMetrics {
  readonly unexpectedErrors: Counter<'where'>;
  readonly recordWritesFailed: Counter;
  readonly spoolDropped: Counter;
  readonly spoolRejected: Counter;
  readonly spoolStorageFailed: Counter;
  readonly spoolEntries: Gauge;
  readonly spoolBytes: Gauge;

  constructor(registry: Registry = register) {
    const registers = [registry];
    this.unexpectedErrors = new Counter({
      name: 'marshal_agent_unexpected_errors_total',
      help: 'Errors the agent did not expect but carried on after (each is logged), by where they happened',
      labelNames: ['where'],
      registers,
    });
    this.recordWritesFailed = new Counter({
      name: 'marshal_agent_task_record_write_failures_total',
      help: 'Failed writes of task records (a task whose first record cannot be written is not started)',
      registers,
    });
    this.spoolDropped = new Counter({
      name: 'marshal_agent_status_spool_dropped_total',
      help: 'Task statuses dropped because the status spool was full (AGENT_STATUS_SPOOL_MAX_BYTES)',
      registers,
    });
    this.spoolRejected = new Counter({
      name: 'marshal_agent_status_rejected_total',
      help: 'Task statuses the log refused for good (dropped after being logged)',
      registers,
    });
    this.spoolStorageFailed = new Counter({
      name: 'marshal_agent_status_spool_write_failures_total',
      help: 'Failed writes of the task status journal',
      registers,
    });
    this.spoolEntries = new Gauge({ name: 'marshal_agent_status_spool_entries', help: 'Task statuses waiting to be appended to the log', registers });
    this.spoolBytes = new Gauge({ name: 'marshal_agent_status_spool_bytes', help: 'Encoded size of the task statuses waiting', registers });
  }

  /** What the status spool of every agent of the process counts (the gauges add up across them). */
  spool(): SpoolMetrics {
    let entries = 0;
    let bytes = 0;
    return {
      dropped: () => this.spoolDropped.inc(),
      rejected: () => this.spoolRejected.inc(),
      storageFailed: () => this.spoolStorageFailed.inc(),
      pending: (e, b) => {
        this.spoolEntries.inc(e - entries);
        this.spoolBytes.inc(b - bytes);
        entries = e;
        bytes = b;
      },
    };
  }
}
