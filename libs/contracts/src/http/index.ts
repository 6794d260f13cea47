// The HTTP bodies of the gateway routes the CLI calls, declared once (README "HTTP bodies").
export * from './services.http';
export * from './plans.http';
export * from './audit.http';
export * from './admin.http';
export * from './agents.http';
export * from './deltas.http';
export * from './routes.http';
export * from './session.http';
