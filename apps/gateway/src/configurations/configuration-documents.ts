import { MarshalError, type ServiceSpec } from '@marshal/contracts';
import { canonicalJson } from '@marshal/spec';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** reference §6.4: an id that is not a UUID is a bad request, not an unknown configuration. */
export function assertConfigId(id: string): void {
  if (!UUID.test(id)) {
    throw new MarshalError('INVALID_ARGUMENT', `Configuration id '${id}' is not a UUID`, [{ path: 'id', message: 'must be a UUID' }]);
  }
}

/**
 * A stored configuration as served: pretty JSON with keys sorted at every level — the very text the update diffs
 * are computed over, so a diff's line numbers point into it (PostgreSQL jsonb does not keep key order anyway).
 */
export function configurationJson(spec: unknown): string {
  return canonicalJson(spec, 2);
}

/** The raw template of one config file of one task (reference §4.4.4, `/v1/artifacts/template/…`). */
export function findTemplate(spec: ServiceSpec, podType: string, taskName: string, configName: string): string {
  const pod = spec.pods.find((p) => p.type === podType);
  if (!pod) throw new MarshalError('NOT_FOUND', `Pod type ${podType} not found`);
  const task = pod.tasks.find((t) => t.name === taskName);
  if (!task) throw new MarshalError('NOT_FOUND', `Task ${taskName} not found in pod type ${podType}`);
  const config = task.configs.find((c) => c.name === configName);
  if (!config) throw new MarshalError('NOT_FOUND', `Config file ${configName} not found in task ${taskName} of pod type ${podType}`);
  return config.template;
}
