// The bundle gets its version from package.json at build time (build.mjs); sources run as "dev".
declare const MONITOR_VERSION: string | undefined;

export const version: string = typeof MONITOR_VERSION === 'string' ? MONITOR_VERSION : 'dev';
