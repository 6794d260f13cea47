import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const ProjectorConfig = defineConfig('state-projector', {
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/marshal', description: 'PostgreSQL of the read models' }),
  PROJECTOR_BATCH_SIZE: Type.Integer({ default: 2_000, minimum: 1, maximum: 20_000, description: 'Most events applied in one transaction' }),
  PROJECTOR_REBUILD_BATCH_SIZE: Type.Integer({
    default: 5_000,
    minimum: 1,
    maximum: 50_000,
    description: 'Most events applied in one transaction while rebuilding the read models',
  }),
});
