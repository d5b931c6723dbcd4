export { createEntraDirectory, type EntraDirectoryOptions } from './graph-directory.js';
export { createTokenProvider, type TokenProvider, type TokenProviderOptions } from './token-provider.js';
export { createEntraFetch, type Fetch } from './http.js';
export type * from './port.js';
