// The `domicile` command: parses arguments and dispatches to one command module each.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { openRuntime } from '../app/runtime.js';
import { seedDemo } from '../demo/demo.world.js';
import { accessUsage } from './access.command.js';
import { logUsage, runLogCommand } from './log.command.js';
import { operatorUsage } from './operator.command.js';
import { payUsage, runPayAudit } from './pay.command.js';
import { processOutput, type CliOutput } from './output.js';
import { incidentUsage } from './incident.command.js';
import { reportUsage, runAccessReport, runDisclosureReport, runForeignHandlingReport, runIncidentReport } from './report.command.js';
import { runResidencyReport } from './residency.command.js';
import { runServe } from './serve.command.js';
import { keysUsage } from './keys.command.js';
import { migrateUsage } from './migrate.command.js';

const usage = `Usage: domicile <command> [options]

Commands:
  serve [--demo]                 run the service (--demo seeds the demo world on first start)
  demo                           seed the demo world only
  report residency [--json]      check that every personal-data row and blob sits where the rules say
${reportUsage}
  notice validate <file>         check a transfer notice file
${incidentUsage}
${logUsage}
${accessUsage}
${operatorUsage}
${payUsage}
${keysUsage}
${migrateUsage}

Options:
  --config <file>                configuration file (default: $DOMICILE_CONFIG or ./domicile.config.json)
  -h, --help                     show this help

Environment: PORT, DOMICILE_DATA_DIR, DOMICILE_TRUSTED_PROXIES, DOMICILE_CONFIG, DOMICILE_POLICY_DIR, DOMICILE_OPERATOR_PASSWORD (operator add), LOG_LEVEL`;

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
  const config = () => loadConfig({ file: values.config });

  if (command === 'serve') {
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
    return runLogCommand({ config: config(), sub, args: rest, cell: values.cell, outDir: values.out, key: values.key, json: values.json, out });
  }
  if (command === 'report' && (sub === 'disclosure' || sub === 'foreign-handling')) {
    const runtime = await openRuntime(config());
    try {
      return sub === 'disclosure'
        ? await runDisclosureReport({ runtime, subjectId: values.subject, json: values.json, out })
        : await runForeignHandlingReport({ runtime, json: values.json, since: values.since, out });
    } finally {
      await runtime.close();
    }
  }
  if (command === 'pay' && sub === 'audit') {
    const runtime = await openRuntime(config());
    try {
      return await runPayAudit({ runtime, json: values.json, out });
    } finally {
      await runtime.close();
    }
  }
  if (command === 'demo' || (command === 'report' && sub === 'residency')) {
    const runtime = await openRuntime(config());
    try {
      if (command === 'demo') {
        const seeded = await seedDemo(runtime);
        out.stdout(seeded ? `Demo world seeded in ${runtime.config.dataDir}` : 'Demo world already present; nothing to do');
        return 0;
      }
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
