import type { DataSource } from 'typeorm';
import type { ServiceDescription } from '@marshal/contracts';

// What `GET /v1/services/{name}` shows is declared once, with the routes the CLI calls (`@marshal/contracts` http).
export type { ServiceDescription };

export interface StoredConfiguration {
  id: string;
  /** The normalized ServiceSpec (reference §4.7). */
  spec: unknown;
}

/** Read-side queries over a service's configurations (reference §6.4). */
export class ConfigurationQueries {
  constructor(private readonly ds: DataSource) {}

  /** Ids of every accepted configuration of the service, oldest first. */
  async ids(service: string): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM configurations WHERE service = $1 ORDER BY seq`, [service]);
    return rows.map((r) => r.id);
  }

  async byId(service: string, id: string): Promise<StoredConfiguration | undefined> {
    const rows: StoredConfiguration[] = await this.ds.query(`SELECT id, spec FROM configurations WHERE service = $1 AND id = $2`, [service, id]);
    return rows[0];
  }

  async target(service: string): Promise<StoredConfiguration | undefined> {
    const rows: StoredConfiguration[] = await this.ds.query(
      `SELECT c.id, c.spec FROM services s JOIN configurations c ON c.id = s.config_id WHERE s.name = $1`,
      [service],
    );
    return rows[0];
  }

  async describe(service: string): Promise<ServiceDescription | undefined> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT s.name, s.config_id, s.package_name, s.package_version, s.options, s.last_errors, p.status AS deploy_status
         FROM services s LEFT JOIN plans p ON p.service = s.name AND p.name = 'deploy' WHERE s.name = $1 AND s.removed_at IS NULL`,
      [service],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      name: r['name'] as string,
      package: { name: r['package_name'] as string | null, version: r['package_version'] as string | null },
      resolvedOptions: r['options'] as Record<string, unknown>,
      targetConfigId: r['config_id'] as string | null,
      lastErrors: r['last_errors'] as { path: string; message: string }[],
      deployStatus: (r['deploy_status'] as string | null) ?? null,
    };
  }
}
