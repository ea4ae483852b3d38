// Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), made lazy:
// a route's validator or serializer is compiled on its first use instead of at boot. Compiling all
// ~200 route schemas cost every spawned `domicile serve` ~1.5 s CPU before it could answer, most of
// it for routes a short-lived process (a test's server, a restarted node) never sees. The compilers
// and their options are exactly Fastify's defaults, taken from Fastify's own dependencies, so what
// a route accepts and how it answers do not change; only when the compile happens does.
//
// Fastify treats any compilers factory as "custom", which only changes one thing: it stops
// lower-casing the property names of `headers` schemas. No route declares a headers schema
// (lazy.compilers.test.ts holds that), so the difference never arises.

import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type BuildValidator = NonNullable<CompilersFactory['buildValidator']>;
type BuildSerializer = NonNullable<CompilersFactory['buildSerializer']>;
type Validate = ((...args: unknown[]) => unknown) & { errors?: unknown; schemaEnv?: unknown };

// The compilers Fastify would load itself, resolved from Fastify's own folder (same versions).
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultValidators = (fromFastify('@fastify/ajv-compiler') as () => BuildValidator)();
const defaultSerializers = (fromFastify('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => BuildSerializer }).SerializerSelector();

/**
 * A validator that compiles on first use. Fastify reads `schemaEnv` (Ajv's marker, then it passes
 * the parent object so Ajv may replace the root) before the call and `errors` after a refusal; both
 * are forwarded to the compiled function.
 */
function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const real = (): Validate => (compiled ??= compile());
  const validate = ((...args: unknown[]) => real()(...args)) as Validate;
  Object.defineProperty(validate, 'errors', { get: () => real().errors, enumerable: true });
  Object.defineProperty(validate, 'schemaEnv', { get: () => real().schemaEnv, enumerable: true });
  return validate;
}

export const lazyCompilers: CompilersFactory = {
  buildValidator: (externalSchemas, options) => {
    const compile = defaultValidators(externalSchemas, options);
    const lazy = (route: Parameters<typeof compile>[0]): Validate => lazyValidator(() => compile(route) as unknown as Validate);
    // Typed as Ajv's function, which the proxy stands in for (Fastify uses only the call, `errors` and `schemaEnv`).
    return lazy as unknown as typeof compile;
  },
  buildSerializer: (externalSchemas, options) => {
    const compile = defaultSerializers(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => (serialize ??= compile(route) as (data: unknown) => string)(data);
    };
  },
};
