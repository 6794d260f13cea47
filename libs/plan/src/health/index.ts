export * from './service-health';
