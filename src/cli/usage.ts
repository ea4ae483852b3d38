// The help text of every `domicile` word, kept apart from the commands so `--help` and a refused
// command line print it without loading the code the commands run.

export const accessUsage = `  access block <CC>              record a cut-off of operator access from or for a jurisdiction; a running
                                 server applies it at its next poll (within 250 ms) and logs when it did
  access unblock <CC>            record the lifting of a cut-off; a running server logs it, then applies it
  access blocks                  list the jurisdictions cut off
  access check --operator <id> --ip <address> --subject <id> --category <cat> --purpose <code> --case <ref> [--json]
                                 what-if: the broker's decision, policies and masking; nothing is read, released or logged
                                 (exit 0 allow, 1 deny)`;

export const incidentUsage = `  incident open --title <t> --known-at <ISO time> --home JP [--actor-outside JP | --actor-country CN]
                [--employer <name>] --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--wrongful-purpose] [--json]
                                 record an incident (no personal data) with its scope over the access log
  incident list [--json]         the incidents, newest known first
  incident show <id> [--json]    one incident and its scope
  incident notify-list <id> [--json]
                                 the people whose data was released in scope and the categories released about each
                                 (from the verified log; the read is first recorded in their home log)`;

export const keysUsage = `  shred --subject <id> [--category <c>] [--json]
                                 destroy a subject's data keys (all, or one category and its children) in
                                 every cell: what they sealed can no longer be read; logged in the
                                 access log of the subject's jurisdiction
  keys rotate --cell <id> [--json]
                                 rewrap the cell's data keys under a new master key (data is not
                                 rewritten); the old master key is destroyed; logged in the cell's
                                 access log`;

export const logUsage = `  log key [--cell <cell>]        print the verifier key of a cell's access log
  log export --cell <cell> --out <dir>
                                 write the checkpoint, hash tiles and entry bundles as static tlog-tiles files
  log verify [--cell <cell>] [--key <verifier key>] [--json]
                                 recompute every cell log from its entries; exit 1 naming the first bad entry or checkpoint
  log auditor add <name>         make an auditor token for entry bundles (printed once)`;

export const migrateUsage = `  placement show [--json]        the placement in force and its versions
  migrate plan --home <J> --category <c,…> --to <cell> [--json]
                                 what would move (records, bytes, subjects per category and source cell)
                                 and the transfer basis of each move
  migrate start --home <J> --category <c,…> --to <cell> --actor <operator-id> [--grace <s>] [--yes] [--json]
                                 copy → verify → switch → shred, online; logged as the operator's
  migrate resume <job> [--json]  continue a job after a crash or its grace period
  migrate status [<job>] [--json]
  migrate abort <job>            roll back a job that has not switched
  migrate receipt <job> --out <receipt.json>
  migrate manifest <job> --out <manifest.jsonl>
  migrate verify-receipt <receipt.json> [--manifest <manifest.jsonl>] [--key <verifier key>]
                                 check signature, manifest root and counts; exit 1 naming what fails`;

export const operatorUsage = `  operator add --id <id> --name <name> --employer <entity> --employer-country <CC> --office <CC> --roles <role,…>
                                 add an operator (password from $DOMICILE_OPERATOR_PASSWORD); prints its TOTP secret once
  operator roles <id> --roles <role,…>
                                 replace an operator's roles (recorded in the access logs)
  operator list [--json]         list operators (no secrets)
  operator disable <id>          refuse the operator's sign-ins and end its sessions (recorded in the access logs)`;

export const payUsage = `  pay audit [--json]             recompute every wallet balance from its postings and check every transfer
                                 (exit 0 whole, 1 naming each discrepancy)`;

export const reportUsage = `  report disclosure --subject <id> [--json]
                                 what is held about a person, where, their consents, transfer records and accesses
  report foreign-handling [--json] [--since YYYY-MM-DD]
                                 where each home's data is stored and from where it was handled (default: last 12 months)
  report access --home JP [--actor-outside JP | --actor-country CN] [--employer <name>] --from <YYYY-MM-DD> --to <YYYY-MM-DD>
                [--json | --format html|pdf|csv] [--out <file>]
                                 who accessed a home's people's data in scope, from the verified log only
  report incident <id> [--stage preliminary|final] [--json | --format html|pdf|csv] [--out <file>]
                                 an incident's figures, deadlines and draft regulator report (verifies the log first)`;

export const usage = `Usage: domicile <command> [options]

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
