export * from './config';
export * from './logging';
export * from './health';
export * from './shutdown';
export * from './service';
export * from './nest-logger';
export * from './ids';
export * from './pid-lock';
