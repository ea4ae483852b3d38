// Starts the shared test services once per run: a throwaway PostgreSQL cluster.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startPostgresCluster();
  project.provide('pgBaseUrl', cluster.baseUrl);
  return () => cluster.stop();
}
