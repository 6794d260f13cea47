export * from './free-port';
export * from './eventually';
export * from './nats-server';
export * from './postgres-server';
export * from './database';
export * from './managed-process';
export * from './ensemble';
export * from './kill-under';
