// The demo world, in the state of the story in DESIGN.md: Japanese and Korean users chatting,
// Japanese users' images and payment data kept in the KR cell by the configured placement
// rules, the government account minato-city with followers, a broadcast and a festival-ticket
// payment, and the JP access log's past accesses.
import type { Runtime } from '../app/runtime.js';
import { giveConsent } from '../governance/transfers/consent.service.js';
import { signUp } from '../messaging/account.service.js';
import { addContact } from '../messaging/contact.service.js';
import { createConversation } from '../messaging/conversation.service.js';
import { uploadConversationImage } from '../messaging/media.service.js';
import { sendMessage } from '../messaging/message.service.js';
import { broadcast, createOfficialAccount, follow } from '../messaging/official.service.js';
import { pay, topUp } from '../pay/pay.service.js';
import { seedDemoAccesses } from './demo.accesses.js';
import { seedDemoOperators } from './demo.operators.js';
import { gradientPng } from './png.js';

export const demoPassword = 'domicile-demo';

export const demoUsers = [
  { handle: 'hanako', displayName: 'Hanako Sato', home: 'JP', email: 'hanako@example.jp', phone: '+81 90-0000-1234' },
  { handle: 'taro', displayName: 'Taro Suzuki', home: 'JP', email: 'taro@example.jp', phone: '+81 80-0000-5678' },
  { handle: 'minjun', displayName: 'Min-jun Kim', home: 'KR', email: 'minjun@example.kr', phone: '+82 10-0000-2468' },
  { handle: 'jiwoo', displayName: 'Ji-woo Park', home: 'KR', email: 'jiwoo@example.kr' },
  { handle: 'seoyeon', displayName: 'Seo-yeon Choi', home: 'KR', email: 'seoyeon@example.kr' },
] as const;

export const demoOfficialAccount = { handle: 'minato-city', displayName: 'Minato City', home: 'JP', class: 'government' } as const;

export async function isDemoSeeded(runtime: Runtime): Promise<boolean> {
  return (await runtime.directory.find('hanako')) !== null;
}

/** Seeds the demo world once; returns false when it was already there. */
export async function seedDemo(runtime: Runtime): Promise<boolean> {
  if (await isDemoSeeded(runtime)) return false;
  const ctx = runtime.messaging;
  for (const user of demoUsers) await signUp({ ctx, ...user, password: demoPassword });
  const subject = (id: string) => runtime.directory.get(id);
  const [hanako, taro, minjun, jiwoo, seoyeon] = await Promise.all(demoUsers.map((u) => subject(u.handle)));
  if (!hanako || !taro || !minjun || !jiwoo || !seoyeon) throw new Error('demo users missing after sign-up');

  for (const [a, b] of [[hanako, 'taro'], [taro, 'hanako'], [hanako, 'minjun'], [minjun, 'hanako'], [minjun, 'jiwoo'], [jiwoo, 'minjun'], [jiwoo, 'hanako'], [hanako, 'seoyeon'], [seoyeon, 'hanako']] as const) {
    await addContact({ ctx, actor: a, handle: b });
  }

  const say = (actor: typeof hanako, conversationId: string, clientId: string, text: string) =>
    sendMessage({ ctx, actor, conversationId, clientId, text });

  const jpChat = (await createConversation({ ctx, actor: hanako, kind: 'direct', memberIds: ['taro'] })).conversation;
  await say(hanako, jpChat.id, 'demo-1', 'Taro, are we still on for lunch in Shiba Park on Saturday?');
  await say(taro, jpChat.id, 'demo-2', 'Yes! 12:30 at the east gate. I will bring onigiri.');
  const photo = await uploadConversationImage({ ctx, actor: hanako, conversationId: jpChat.id, contentType: 'image/png', bytes: gradientPng(160, 120, [255, 183, 197], [120, 170, 255]) });
  await sendMessage({ ctx, actor: hanako, conversationId: jpChat.id, clientId: 'demo-3', mediaId: photo.id });
  await say(taro, jpChat.id, 'demo-4', 'The cherry trees look great in that photo.');

  // The chat is stored in Japan, so Min-jun's membership and messages are a transfer from Korea:
  // he read the notice and consented before joining. Ji-woo has not, so the demo can show the flow.
  await giveConsent({ ctx: runtime.transfers, subject: minjun, noticeId: 'kr-messages-jp' });
  const crossBorder = (await createConversation({ ctx, actor: hanako, kind: 'direct', memberIds: ['minjun'] })).conversation;
  await say(hanako, crossBorder.id, 'demo-1', 'Min-jun, welcome to Tokyo next week!');
  await say(minjun, crossBorder.id, 'demo-2', 'Thanks Hanako! Can you recommend a ramen place near Tamachi?');
  const map = await uploadConversationImage({ ctx, actor: hanako, conversationId: crossBorder.id, contentType: 'image/png', bytes: gradientPng(120, 120, [250, 220, 120], [230, 90, 60]) });
  await sendMessage({ ctx, actor: hanako, conversationId: crossBorder.id, clientId: 'demo-3', mediaId: map.id });

  const krChat = (await createConversation({ ctx, actor: minjun, kind: 'direct', memberIds: ['jiwoo'] })).conversation;
  await say(minjun, krChat.id, 'demo-1', 'Ji-woo, I land in Tokyo on Tuesday.');
  await say(jiwoo, krChat.id, 'demo-2', 'Have a great trip! Send photos.');
  const seoul = await uploadConversationImage({ ctx, actor: jiwoo, conversationId: krChat.id, contentType: 'image/png', bytes: gradientPng(140, 100, [90, 200, 160], [40, 80, 160]) });
  await sendMessage({ ctx, actor: jiwoo, conversationId: krChat.id, clientId: 'demo-3', mediaId: seoul.id });

  // The group is stored in Japan: Min-jun, who consented, joins it; Ji-woo and Seo-yeon, who have
  // not, are not written into Japan — each finds an invitation in Korea, which she can accept
  // once she has read the notice and consented (docs/residency.md).
  const trip = (await createConversation({ ctx, actor: hanako, kind: 'group', memberIds: ['taro', 'minjun', 'jiwoo', 'seoyeon'], title: 'Tokyo trip' })).conversation;
  await say(hanako, trip.id, 'demo-1', 'A group for Min-jun and Ji-woo’s visit!');

  const minato = await createOfficialAccount({ ctx, ...demoOfficialAccount, password: demoPassword });
  for (const follower of [hanako, taro, minjun]) await follow({ ctx, actor: follower, accountId: minato.id });
  const minatoSubject = await subject(minato.id);
  await broadcast({ ctx, actor: minatoSubject, accountId: minato.id, clientId: 'demo-1', text: 'Minato City: the autumn festival at Shiba Park is on Saturday 10:00–16:00. Roads near the park close from 9:00.' });
  await seedDemoPayments(runtime);
  await seedDemoOperators(runtime);
  await seedDemoAccesses(runtime);
  return true;
}

/**
 * Every demo user's wallet, topped up from the simulated bank, and a few payments: Hanako pays
 * Taro back for lunch, Taro buys a ticket for Minato City's festival (JP wallets sit in the KR
 * cell under the demo rule, the city's in JP: a payment between cells), Min-jun pays Ji-woo.
 */
async function seedDemoPayments(runtime: Runtime): Promise<void> {
  // The demo world is simulated money whether or not the server runs in demo mode.
  const ctx = { ...runtime.pay, simulatedFunding: true };
  const subject = (id: string) => runtime.directory.get(id);
  const topUps = [['hanako', 30_000], ['taro', 20_000], ['minjun', 300_000], ['jiwoo', 150_000]] as const;
  for (const [id, amount] of topUps) await topUp({ ctx, owner: await subject(id), amount, idempotencyKey: `demo-topup-${id}` });
  const payments = [
    ['hanako', 'taro', 1_500, 'JPY', 'Lunch in Shiba Park'],
    ['taro', 'minato-city', 2_000, 'JPY', 'Autumn festival ticket'],
    ['minjun', 'jiwoo', 12_000, 'KRW', 'Airport taxi'],
  ] as const;
  for (const [from, to, amount, currency, note] of payments) {
    await pay({ ctx, payer: await subject(from), to, amount, currency, note, idempotencyKey: `demo-pay-${from}-${to}` });
  }
}
