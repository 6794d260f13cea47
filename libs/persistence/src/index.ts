export * from './entities/read-models';
export * from './migrations/0001-read-models';
export * from './data-source';
export * from './migrate';
export * from './projection/projector';
export * from './queries/read-model.queries';
export * from './queries/configuration.queries';
