/**
 * For harnesses that start the connector as its own Node process: the arguments and environment that make that process
 * record its vendor requests into the run's folder too (nothing when the run is not recording).
 */
export function recordingForChildProcess(): { args: string[]; env: Record<string, string> } {
  const dir = process.env.CONTRACT_RECORD_DIR;
  if (!dir) return { args: [], env: {} };
  return {
    // After the tsx loader in the child's arguments, so this TypeScript module can be imported.
    args: ['--import', new URL('./child-preload.ts', import.meta.url).href],
    env: { CONTRACT_RECORD_DIR: dir, CONTRACT_RECORD_ORIGIN: process.env.CONTRACT_RECORD_ORIGIN ?? '(unknown test file)' },
  };
}
