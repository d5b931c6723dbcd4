/**
 * Words of the domain that every layer speaks. They live here, not in configuration, so a module that only needs
 * the word does not depend on how the connector is configured.
 */

/** The PSAs the connector works with. */
export type PsaKind = 'connectwise' | 'halo';
export const PSA_KINDS: readonly PsaKind[] = ['connectwise', 'halo'];
