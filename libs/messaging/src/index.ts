export * from './logger';
export * from './connection';
export * from './nats-credentials';
export * from './event-store';
export * from './command-bus';
export * from './jetstream.transport';
export * from './sequence-gate';
export * from './parked-events';
