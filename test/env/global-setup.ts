import type { TestProject } from 'vitest/node';
import { startMoto } from './moto.js';
import { startSsmFront } from './ssm-front.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
    /** moto behind the SSM front (test/README.md): use it for SSM; it forwards everything else to moto */
    ssmEndpoint: string;
  }
}

/** One moto server for the whole integration run; suites isolate themselves with fresh buckets. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  const ssmFront = await startSsmFront({ motoEndpoint: moto.endpoint }).catch(async (err: unknown) => {
    await moto.stop();
    throw err;
  });
  project.provide('ssmEndpoint', ssmFront.endpoint);
  return async () => {
    await ssmFront.stop();
    await moto.stop();
  };
}
