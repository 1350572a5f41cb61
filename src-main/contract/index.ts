/** The contract, as imported by main, preload, renderer, CLI and tests. */
export * from './api.js';
export * from './channels.js';
export * from './dictionary.js';
export * from './errors.js';
export * from './wire-error.js';
export * from './learn.js';
export * from './settings.js';
export * from './system.js';
export * from './sockets.js';
export * from './sessions.js';
export * from './scan.js';
export * from './knock.js';
export * from './router.js';
export * from './forwards.js';
export * from './exposure.js';
export * from './cidr.js';
