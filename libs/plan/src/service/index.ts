export * from './service-state';
export * from './service-settings';
export * from './decision';
export * from './service.decider';
export * from './progress-deadline';
export * from './reconcile';
export * from './operator.decider';
export * from './paused-task';
