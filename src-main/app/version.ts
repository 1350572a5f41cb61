/** The app's version, injected at build time by esbuild/vite; read from package.json in tests. */
declare const __PORTOLAN_VERSION__: string | undefined;

/** Portolan's version string. */
export const APP_VERSION: string = typeof __PORTOLAN_VERSION__ === 'string' ? __PORTOLAN_VERSION__ : (process.env.npm_package_version ?? 'dev');
