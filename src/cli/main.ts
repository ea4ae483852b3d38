// The `domicile` command: parses arguments and dispatches to one command module each. Each word
// loads its module (and through it the HTTP app, the report renderers, the stores…) only when it
// runs: a spawned `domicile` word used to spend most of its start loading code it never called.
import { parseArgs } from 'node:util';
import { processOutput, type CliOutput } from './output.js';
import type { Runtime } from '../app/runtime.js';
import { usage } from './usage.js';

export async function runCli(argv: string[], out: CliOutput = processOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      cell: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      subject: { type: 'string' },
      since: { type: 'string' },
      operator: { type: 'string' },
      ip: { type: 'string' },
      category: { type: 'string' },
      purpose: { type: 'string' },
      case: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      employer: { type: 'string' },
      'employer-country': { type: 'string' },
      office: { type: 'string' },
      roles: { type: 'string' },
      title: { type: 'string' },
      'known-at': { type: 'string' },
      home: { type: 'string' },
      'actor-outside': { type: 'string' },
      'actor-country': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'wrongful-purpose': { type: 'boolean', default: false },
      format: { type: 'string' },
      stage: { type: 'string' },
      actor: { type: 'string' },
      grace: { type: 'string' },
      yes: { type: 'boolean', default: false },
      manifest: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    out.stdout(usage);
    return command || values.help ? 0 : 2;
  }
  const { loadConfig } = await import('../config/config.js');
  const config = () => loadConfig({ file: values.config });
  const openRuntime = async (): Promise<Runtime> => (await import('../app/runtime.js')).openRuntime(config());

  if (command === 'serve') {
    const { runServe } = await import('./serve.command.js');
    await runServe({ config: config(), demo: values.demo });
    return -1; // keeps running
  }
  if (command === 'access') {
    const { runAccessCommand } = await import('./access.command.js');
    const { operator, ip, subject, category, purpose } = values;
    return runAccessCommand({ config: config(), sub, args: rest, options: { operator, ip, subject, category, purpose, case: values.case }, json: values.json, out });
  }
  if (command === 'operator') {
    const { runOperatorCommand } = await import('./operator.command.js');
    const { id, name, employer, office, roles } = values;
    return runOperatorCommand({ config: config(), sub, args: rest, options: { id, name, employer, employerCountry: values['employer-country'], office, roles }, json: values.json, out });
  }
  if (command === 'notice' && sub === 'validate') {
    const file = rest[0];
    if (!file) {
      out.stderr('usage: domicile notice validate <file>');
      return 2;
    }
    const { runNoticeValidate } = await import('./notice.command.js');
    return runNoticeValidate(file, out);
  }
  const scope = { home: values.home, actorOutside: values['actor-outside'], actorCountry: values['actor-country'], employer: values.employer, from: values.from, to: values.to };
  if (command === 'incident') {
    const { runIncidentCommand } = await import('./incident.command.js');
    const input = { ...scope, title: values.title, knownAt: values['known-at'], wrongfulPurpose: values['wrongful-purpose'] };
    return runIncidentCommand({ config: config(), sub, args: rest, input, json: values.json, out });
  }
  if (command === 'report' && (sub === 'access' || sub === 'incident')) {
    const { runAccessReport, runIncidentReport } = await import('./report.command.js');
    const common = { config: config(), json: values.json, format: values.format, outFile: values.out, out };
    return sub === 'access' ? runAccessReport({ ...common, scope }) : runIncidentReport({ ...common, id: rest[0], stage: values.stage });
  }
  if (command === 'shred') {
    const { runShred } = await import('./keys.command.js');
    return runShred({ config: config(), subject: values.subject, category: values.category, json: values.json, out });
  }
  if (command === 'keys') {
    const { runKeysCommand } = await import('./keys.command.js');
    return runKeysCommand({ config: config(), sub, cell: values.cell, json: values.json, out });
  }
  if (command === 'placement' || command === 'migrate') {
    const { runMigrateCommand, runPlacementCommand } = await import('./migrate.command.js');
    if (command === 'placement') return runPlacementCommand({ config: config(), sub, json: values.json, out });
    const { home, category, to, actor, grace, yes, json, manifest, key } = values;
    return runMigrateCommand({ config, sub, args: rest, options: { home, category, to, actor, grace, yes, json, out: values.out, manifest, key }, out });
  }
  if (command === 'log') {
    const { runLogCommand } = await import('./log.command.js');
    return runLogCommand({ config: config(), sub, args: rest, cell: values.cell, outDir: values.out, key: values.key, json: values.json, out });
  }
  if (command === 'report' && (sub === 'disclosure' || sub === 'foreign-handling')) {
    const { runDisclosureReport, runForeignHandlingReport } = await import('./report.command.js');
    const runtime = await openRuntime();
    try {
      return sub === 'disclosure'
        ? await runDisclosureReport({ runtime, subjectId: values.subject, json: values.json, out })
        : await runForeignHandlingReport({ runtime, json: values.json, since: values.since, out });
    } finally {
      await runtime.close();
    }
  }
  if (command === 'pay' && sub === 'audit') {
    const { runPayAudit } = await import('./pay.command.js');
    const runtime = await openRuntime();
    try {
      return await runPayAudit({ runtime, json: values.json, out });
    } finally {
      await runtime.close();
    }
  }
  if (command === 'demo' || (command === 'report' && sub === 'residency')) {
    const runtime = await openRuntime();
    try {
      if (command === 'demo') {
        const { seedDemo } = await import('../demo/demo.world.js');
        const seeded = await seedDemo(runtime);
        out.stdout(seeded ? `Demo world seeded in ${runtime.config.dataDir}` : 'Demo world already present; nothing to do');
        return 0;
      }
      const { runResidencyReport } = await import('./residency.command.js');
      return await runResidencyReport({ runtime, json: values.json, out });
    } finally {
      await runtime.close();
    }
  }
  out.stderr(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
  return 2;
}

export async function main(): Promise<void> {
  try {
    const code = await runCli(process.argv.slice(2));
    if (code >= 0) process.exitCode = code;
  } catch (err) {
    const { ConfigError } = await import('../config/config.js');
    if (err instanceof ConfigError) {
      process.stderr.write(`domicile: ${err.message}\n`);
      process.exitCode = 78;
      return;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`domicile: ${err.message}\n\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`domicile: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
