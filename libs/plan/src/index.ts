export * from './model';
export * from './service';
export * from './health';
export * from './debug';
