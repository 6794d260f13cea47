// The rules that span two domain libraries (plan, offer, spec), each declared once: see README.md.
export {};

// Rules spanning spec, plan and offer: configuration decisions (README "Rules spanning spec, plan and offer").
export * from './configuration/placement-validation';
export * from './configuration/configuration.decision';
