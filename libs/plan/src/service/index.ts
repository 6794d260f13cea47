export * from './service-state';
export * from './service.decider';
