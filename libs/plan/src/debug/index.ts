export * from './debug-plans';
