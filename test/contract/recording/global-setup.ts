import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { checkSuite, formatOperationList, formatSuiteResult, readRecordings } from '../suite-check.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder where every test process appends the connector's requests (JSONL), checked when the run ends. */
    contractRecordDir: string;
  }
}

/**
 * vitest globalSetup: makes the recording folder before any test file runs, and after the last one checks every
 * request the connector sent during the run against the vendors' descriptions. An undescribed request fails the run
 * (the teardown throws, vitest exits non-zero) with a list of each one and the tests that sent it.
 * CONTRACT_OPERATIONS_FILE=path also writes the list of distinct operations called.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'psa-tap-contract-'));
  project.provide('contractRecordDir', dir);
  return () => {
    const result = checkSuite(readRecordings(dir));
    rmSync(dir, { recursive: true, force: true });
    const listFile = process.env.CONTRACT_OPERATIONS_FILE;
    if (listFile) writeFileSync(listFile, `${formatOperationList(result)}\n`);
    const text = formatSuiteResult(result);
    if (result.failures.length > 0) {
      // vitest only logs an error thrown by a global teardown; the exit code is what makes CI fail.
      process.exitCode = 1;
      throw new Error(text);
    }
    console.log(text);
  };
}
