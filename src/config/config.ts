// Configuration: a JSON file plus environment overrides, validated once at start.
// An invalid configuration stops the process with one message naming the field and the fault.
import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { categoryNames, isCategory, renamedCategories } from '../cells/categories.js';
import { createPlacement, PlacementError, type Placement } from '../cells/placement.js';

const Jurisdiction = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code, e.g. JP' });

const CellSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$', description: 'lower-case letters and digits' }),
    jurisdiction: Jurisdiction,
    database: Type.Optional(Type.String({ pattern: '^(sqlite:|postgres://|postgresql://)' })),
    blobDir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const RuleSchema = Type.Object(
  {
    home: Type.Optional(Jurisdiction),
    class: Type.Optional(Type.Union([Type.Literal('consumer'), Type.Literal('business'), Type.Literal('government')])),
    category: Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)*$' }),
    cell: Type.String(),
  },
  { additionalProperties: false },
);

const Count = (description: string) => Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description }));

/** Time-outs, caps and rate limits against abuse (README "Sessions and limits"); each has a default. */
const LimitsSchema = Type.Object(
  {
    requestTimeoutMs: Count('a request must arrive whole within this time (slow bodies are cut off)'),
    connectionTimeoutMs: Count('an idle HTTP connection is closed after this time'),
    keepAliveTimeoutMs: Count('a kept-alive connection waits this long for the next request'),
    connectionsPerAddress: Count('open TCP connections from one peer address (not applied behind trusted proxies)'),
    socketsPerAddress: Count('open WebSockets from one client address'),
    socketsPerUser: Count('open WebSockets of one user'),
    sessionIdleSeconds: Count('a session unused this long ends'),
    sessionMaxSeconds: Count('a session ends this long after sign-in, used or not'),
    signupsPerAddressPerHour: Count('accounts created from one address in an hour'),
    sendsPerMinute: Count('messages one user may send in a minute'),
    groupsPerHour: Count('groups one user may create in an hour'),
    migrationApprovalSubjects: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'a region migration moving more people than this waits for a second admin’s approval (0: every move)' })),
  },
  { additionalProperties: false },
);
export type LimitsFile = Static<typeof LimitsSchema>;
export type Limits = Required<LimitsFile>;

export const defaultLimits: Limits = {
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 120_000,
  keepAliveTimeoutMs: 10_000,
  connectionsPerAddress: 256,
  socketsPerAddress: 100,
  socketsPerUser: 20,
  sessionIdleSeconds: 30 * 24 * 3600,
  sessionMaxSeconds: 180 * 24 * 3600,
  signupsPerAddressPerHour: 10,
  sendsPerMinute: 120,
  groupsPerHour: 30,
  migrationApprovalSubjects: 1000,
};

export const ConfigFileSchema = Type.Object(
  {
    deployment: Type.Optional(Type.String({ pattern: '^[a-z0-9.-]+$' })),
    // The address people and auditors reach this server at, behind its proxy (https://chat.example.jp).
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#\\s]+/?$' })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    host: Type.Optional(Type.String()),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    trustedProxies: Type.Optional(Type.Array(Type.String())),
    // Demo mode: operators on loopback may simulate a source address (never in production).
    demo: Type.Optional(Type.Boolean()),
    // Domicile Pay: top-ups from a simulated bank (also on in demo mode). Never a real deployment.
    pay: Type.Optional(Type.Object({ simulatedFunding: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
    // Directory of the Cedar operator-access policies; default the project's policies/.
    policyDir: Type.Optional(Type.String({ minLength: 1 })),
    directory: Type.Optional(
      Type.Object(
        { database: Type.String({ pattern: '^(sqlite:|postgres://|postgresql://)' }) },
        { additionalProperties: false },
      ),
    ),
    cells: Type.Array(CellSchema, { minItems: 1 }),
    placement: Type.Optional(
      Type.Object({ rules: Type.Array(RuleSchema) }, { additionalProperties: false }),
    ),
    limits: Type.Optional(LimitsSchema),
    // SQLite cells: sync message batches to disk on the thread pool instead of the main thread
    // (bench/RESULTS.md: helps when the disk is slow, costs latency on a quiet one; off by default).
    storage: Type.Optional(Type.Object({ deferSync: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
    // Several nodes, one service: committed events travel between nodes over NATS (ids only).
    bus: Type.Optional(
      Type.Object({ url: Type.String({ pattern: '^nats://[^/?#\\s]+$' }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;

export interface CellConfig {
  id: string;
  jurisdiction: string;
  /** `sqlite:<absolute path>` or a `postgres://` URL. */
  database: string;
  blobDir: string;
  /** Where the cell's master key lives (`<dataDir>/keys`); tests may leave it to the default. */
  keyDir?: string;
}

export interface Config {
  /**
   * The deployment's name: the access logs' checkpoint origins are `<deployment>/log/<cell>`, which
   * C2SP tlog-checkpoint wants to be the log's URL prefix without its scheme. Defaults to the host
   * name of `publicUrl`, then to `domicile.local`.
   */
  deployment: string;
  /** `publicUrl` as configured, or null. */
  publicUrl: string | null;
  port: number;
  host: string;
  dataDir: string;
  trustedProxies: string[];
  /** Demo mode (`serve --demo`): operators on loopback may pick a simulated source address. */
  demo: boolean;
  /** Top-ups from the simulated bank (demo mode, or `pay.simulatedFunding` for tests). */
  simulatedFunding: boolean;
  /** Cedar policy directory, or null for the project's own `policies/`. */
  policyDir: string | null;
  directoryDatabase: string;
  cells: CellConfig[];
  placement: Placement;
  /** Time-outs, caps and rate limits (the defaults where the file is silent). */
  limits: Limits;
  /** The NATS bus between nodes sharing the same cells (`bus.url`, env DOMICILE_BUS_URL), or null for one node. */
  bus: { url: string } | null;
  /** Sync SQLite message batches off the main thread (`storage.deferSync`, default false). */
  deferSync: boolean;
  /** The path the configuration was read from, or null for the built-in default. */
  source: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
    readonly source: string | null,
  ) {
    super(`configuration${source ? ` (${source})` : ''}: ${field}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export const defaultConfigFile: ConfigFile = {
  deployment: 'domicile.local',
  cells: [
    { id: 'jp', jurisdiction: 'JP' },
    { id: 'kr', jurisdiction: 'KR' },
  ],
  placement: { rules: [] },
};

function resolveDatabase(url: string | undefined, fallbackFile: string, dataDir: string): string {
  if (!url) return `sqlite:${path.resolve(dataDir, fallbackFile)}`;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return file === ':memory:' ? url : `sqlite:${path.resolve(dataDir, file)}`;
  }
  return url;
}

function fieldName(instancePath: string): string {
  // TypeBox paths look like /cells/1/jurisdiction; people read cells[1].jurisdiction.
  return (
    instancePath
      .split('/')
      .filter(Boolean)
      .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
      .join('') || '(root)'
  );
}

export interface LoadConfigProps {
  /** Explicit file; otherwise DOMICILE_CONFIG, then ./domicile.config.json, then the built-in default. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Overrides applied after the file and the environment (tests use this). */
  overrides?: Partial<ConfigFile>;
}

export function loadConfig(props: LoadConfigProps = {}): Config {
  const env = props.env ?? process.env;
  const cwd = props.cwd ?? process.cwd();
  let source: string | null = null;
  let raw: unknown = defaultConfigFile;

  const candidate = props.file ?? env.DOMICILE_CONFIG ?? path.join(cwd, 'domicile.config.json');
  const explicit = Boolean(props.file ?? env.DOMICILE_CONFIG);
  if (fs.existsSync(candidate)) {
    source = path.resolve(cwd, candidate);
    try {
      raw = JSON.parse(fs.readFileSync(source, 'utf8'));
    } catch (err) {
      throw new ConfigError('(file)', `is not valid JSON: ${(err as Error).message}`, source);
    }
  } else if (explicit) {
    throw new ConfigError('(file)', `no such file: ${candidate}`, candidate);
  }

  const merged: Record<string, unknown> = { ...(raw as Record<string, unknown>), ...props.overrides };
  return finishConfig(merged, env, cwd, source);
}

export function finishConfig(
  merged: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  cwd: string,
  source: string | null,
): Config {
  if (env.PORT !== undefined) {
    if (!/^\d{1,5}$/.test(env.PORT) || Number(env.PORT) > 65535) {
      throw new ConfigError('PORT', `must be a port number from 0 to 65535 (got "${env.PORT}")`, 'environment');
    }
    merged.port = Number(env.PORT);
  }
  if (env.DOMICILE_DATA_DIR) merged.dataDir = env.DOMICILE_DATA_DIR;
  if (env.DOMICILE_PUBLIC_URL) merged.publicUrl = env.DOMICILE_PUBLIC_URL;
  if (env.DOMICILE_BUS_URL) merged.bus = { url: env.DOMICILE_BUS_URL };
  if (env.DOMICILE_POLICY_DIR) merged.policyDir = env.DOMICILE_POLICY_DIR;
  if (env.DOMICILE_TRUSTED_PROXIES !== undefined) {
    merged.trustedProxies = env.DOMICILE_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean);
  }

  const firstError = Value.Errors(ConfigFileSchema, merged).First();
  if (firstError) {
    const got = firstError.value === undefined ? 'missing' : `got ${JSON.stringify(firstError.value)}`;
    throw new ConfigError(fieldName(firstError.path), `${firstError.message} (${got})`, source);
  }
  const file = merged as ConfigFile;

  const ids = new Set<string>();
  file.cells.forEach((cell, i) => {
    if (ids.has(cell.id)) throw new ConfigError(`cells[${i}].id`, `duplicate cell id "${cell.id}"`, source);
    ids.add(cell.id);
  });
  for (const [i, rule] of (file.placement?.rules ?? []).entries()) {
    // A rule on a name outside the list would silently place nothing (a renamed one, above all).
    if (!isCategory(rule.category)) {
      const renamed = renamedCategories[rule.category];
      throw new ConfigError(
        `placement.rules[${i}].category`,
        renamed ? `"${rule.category}" is now called "${renamed}"` : `"${rule.category}" is not a data category; use one of ${categoryNames.join(', ')}`,
        source,
      );
    }
  }
  for (const [i, proxy] of (file.trustedProxies ?? []).entries()) {
    if (!isAddressOrCidr(proxy)) {
      throw new ConfigError(`trustedProxies[${i}]`, `"${proxy}" is not an IP address or CIDR range`, source);
    }
  }

  const dataDir = path.resolve(cwd, file.dataDir ?? './data');
  const cells: CellConfig[] = file.cells.map((cell) => ({
    id: cell.id,
    jurisdiction: cell.jurisdiction,
    database: resolveDatabase(cell.database, `${cell.id}.sqlite`, dataDir),
    blobDir: path.resolve(dataDir, cell.blobDir ?? path.join('blobs', cell.id)),
    keyDir: path.join(dataDir, 'keys'),
  }));

  let placement: Placement;
  try {
    placement = createPlacement(cells, file.placement?.rules ?? []);
  } catch (err) {
    if (err instanceof PlacementError) throw new ConfigError(err.field, err.message, source);
    throw err;
  }

  return {
    deployment: file.deployment ?? (file.publicUrl === undefined ? 'domicile.local' : new URL(file.publicUrl).hostname),
    publicUrl: file.publicUrl ?? null,
    port: file.port ?? 8080,
    host: file.host ?? '0.0.0.0',
    dataDir,
    trustedProxies: file.trustedProxies ?? [],
    demo: file.demo ?? false,
    simulatedFunding: (file.demo ?? false) || (file.pay?.simulatedFunding ?? false),
    policyDir: file.policyDir ? path.resolve(cwd, file.policyDir) : null,
    directoryDatabase: resolveDatabase(file.directory?.database, 'directory.sqlite', dataDir),
    cells,
    placement,
    limits: { ...defaultLimits, ...file.limits },
    bus: file.bus ?? null,
    deferSync: file.storage?.deferSync ?? false,
    source,
  };
}

function isAddressOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || !address) return false;
  const ipv4 = /^(\d{1,3})(\.\d{1,3}){3}$/.test(address) && address.split('.').every((n) => Number(n) <= 255);
  const ipv6 = address.includes(':') && /^[0-9a-fA-F:.]+$/.test(address);
  if (!ipv4 && !ipv6) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (ipv4 ? 32 : 128);
}
