/// <reference types="svelte" />
/** Portolan's version, from package.json (vite.config.ts defines it). */
declare const __PORTOLAN_VERSION__: string;
