import { installRecorder } from './recorder.js';

// Loaded with --import into a connector process started by a test harness (see child.ts).
installRecorder({
  dir: process.env.CONTRACT_RECORD_DIR,
  origin: () => ({ file: process.env.CONTRACT_RECORD_ORIGIN ?? '(unknown test file)', test: '(connector process)' }),
});
