import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, expect, inject } from 'vitest';
import { attachToFetchInterceptor, installRecorder } from './recorder.js';

/**
 * vitest setupFiles module: runs in every test file before the file's own imports, so the fetch wrapper is in place
 * before nock (or anything else) patches fetch. Each request the connector sends is appended to this process's JSONL
 * file in the folder global-setup.ts made; that file checks them all when the run ends.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const dir = inject('contractRecordDir');

installRecorder({
  dir,
  origin: () => {
    const state = expect.getState();
    return {
      ...(state.testPath ? { file: relative(REPO, state.testPath) } : {}),
      ...(state.currentTestName ? { test: state.currentTestName } : {}),
    };
  },
});

// Connector processes started by the end-to-end harness record into the same folder (see child.ts).
if (dir) process.env.CONTRACT_RECORD_DIR = dir;

// nock is imported by the test file after this module ran: hook its fetch proxy once it exists.
beforeAll(() => {
  attachToFetchInterceptor();
  const testPath = expect.getState().testPath;
  if (testPath) process.env.CONTRACT_RECORD_ORIGIN = relative(REPO, testPath);
});
beforeEach(attachToFetchInterceptor);
