// The broker's view of the transfer gate: an operator viewing a subject's data from abroad is a
// transfer to the operator's employer in that country (APPI Art. 28, GDPR, PIPA alike), so the
// policies need to know whether a basis exists, and each release from abroad leaves a transfer
// record in the subject's cell before the data leaves.
import type { TransferGate } from '../transfers/transfer.gate.js';
import type { BrokerTransfers } from './broker.js';

export function transfersThroughGate(gate: TransferGate): BrokerTransfers {
  return {
    async basisCountries({ subject, destination, employerId, category, purpose, at }) {
      if (subject.home === destination) return [];
      // A contractor's conforming system is a basis only for what its contract covers: viewing
      // (`read`) is not storing, so object storage staff get no basis to read what they hold.
      const evaluation = await gate.evaluate({ subject, destination, recipient: employerId, category, purpose, operation: 'read', at });
      return evaluation.kind === 'basis' ? [destination] : [];
    },
    async record(items) {
      await gate.authorizeTransfers(
        items.map((item) => ({
          subject: item.subject,
          destination: item.destination,
          recipient: item.employerId,
          category: item.category,
          purpose: item.purpose,
          items: item.items,
          operation: 'read' as const,
          at: item.at,
        })),
      );
    },
  };
}
