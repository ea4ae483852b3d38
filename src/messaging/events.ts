// Events the messaging use cases publish after a commit; realtime delivery subscribes to them.
// They carry presented payloads (the same shapes the REST API returns), never raw rows.
import type { ConversationView, MessageView } from './presenters.js';

export type MessagingEvent =
  | { type: 'message'; recipients: readonly string[]; message: MessageView; origin?: string | undefined }
  | { type: 'receipt'; recipients: readonly string[]; conversationId: string; userId: string; seq: number }
  | {
      type: 'membership';
      recipients: readonly string[];
      conversationId: string;
      userId: string;
      change: 'added' | 'removed';
      conversation: ConversationView | null;
    };

export interface MessagingEvents {
  emit(event: MessagingEvent): void;
}
