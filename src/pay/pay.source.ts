// Domicile Pay's personal data as the broker's data sources: a person's wallet and their recent
// payments (postings), read from the cell their wallet is in. Registered with governance at
// composition (src/app/runtime.ts), as messaging's sources are; nothing here decides who may see
// what or masks anything — the broker decides, logs and masks (account and wallet ids: last 4).
import type { SubjectDataSource, SubjectDataSources, SubjectRecord } from '../governance/broker/subject-data.js';
import { historyPage, walletOf } from './pay.repository.js';
import { payCategories, type PayContext } from './pay.service.js';

/** Most postings read per person: support looks at recent payments, not a whole history. */
const recentPayments = 50;

/** The cell of each subject's wallet; subjects without a wallet (or in a cell not served here) have none. */
async function walletCells(ctx: PayContext, ids: readonly string[]) {
  const out: { id: string; cellId: string }[] = [];
  for (const id of ids) {
    const cellId = await ctx.directory.locations.find('wallet', id);
    if (cellId !== null && ctx.cells.has(cellId)) out.push({ id, cellId });
  }
  return out;
}

function walletSource(ctx: PayContext): SubjectDataSource {
  return {
    category: payCategories.wallet,
    fields: ['walletId', 'currency', 'balance', 'storedIn', 'createdAt'],
    async read({ subjects, limit }) {
      const out: SubjectRecord[] = [];
      for (const { id, cellId } of await walletCells(ctx, subjects.map((s) => s.id))) {
        const cell = ctx.cells.get(cellId);
        const row = await walletOf(cell.db, id);
        if (!row) continue;
        out.push({
          subjectId: id,
          recordId: `wallet/${id}`,
          values: { walletId: id, currency: row.currency, balance: Number(row.balance), storedIn: cell.id, createdAt: row.created_at },
        });
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}

function paymentSource(ctx: PayContext): SubjectDataSource {
  return {
    category: payCategories.transaction,
    fields: ['kind', 'direction', 'amount', 'currency', 'counterparty', 'status', 'note', 'balanceAfter', 'at'],
    async read({ subjects, records, limit }) {
      const out: SubjectRecord[] = [];
      const only = records ? new Set(records) : null;
      for (const { id, cellId } of await walletCells(ctx, subjects.map((s) => s.id))) {
        const cell = ctx.cells.get(cellId);
        const rows = await historyPage(cell.db, cell.keys, id, undefined, Math.min(recentPayments, limit - out.length));
        for (const row of rows) {
          if (only && !only.has(row.transfer_id)) continue;
          const amount = Number(row.amount);
          out.push({
            subjectId: id,
            recordId: row.transfer_id,
            values: {
              kind: row.kind,
              direction: amount < 0 ? 'out' : 'in',
              amount: Math.abs(amount),
              currency: row.currency,
              counterparty: row.counterparty_id,
              status: row.status ?? 'completed',
              note: row.note,
              balanceAfter: Number(row.balance_after),
              at: row.at,
            },
          });
        }
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}

/** Registers Pay's sources with the broker's registry. */
export function registerPaySources(sources: SubjectDataSources, ctx: PayContext): void {
  sources.register(walletSource(ctx));
  sources.register(paymentSource(ctx));
}
