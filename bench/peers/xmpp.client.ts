// A minimal XMPP client for the load generator, on plain TCP (no TLS): stream, in-band
// registration (XEP-0077), SASL PLAIN, stream restart, resource binding, presence, then chat
// messages whose body carries the send time. Stanzas are scanned, not parsed: the generator
// must not be the bottleneck it measures.
import net from 'node:net';

const streamOpen = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

export class XmppClient {
  private buffer = '';
  private waiter: { test: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void } | null = null;
  private live = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly jid: string,
    private readonly onSentAt: (sentAt: number) => void,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.waiter?.reject(err));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.live) {
      const bodies = /<body>t:([0-9.]+)<\/body>/g;
      let end = 0;
      for (let m = bodies.exec(this.buffer); m; m = bodies.exec(this.buffer)) {
        this.onSentAt(Number(m[1]));
        end = bodies.lastIndex;
      }
      // Keep only a possibly cut stanza.
      this.buffer = end > 0 ? this.buffer.slice(end) : this.buffer.slice(-4096);
      return;
    }
    this.check();
  }

  private check(): void {
    if (!this.waiter) return;
    const m = this.waiter.test.exec(this.buffer);
    if (!m) return;
    this.buffer = this.buffer.slice(m.index + m[0].length);
    const { resolve } = this.waiter;
    this.waiter = null;
    resolve(m);
  }

  private expect(test: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`xmpp ${this.jid}: timed out waiting for ${String(test)}`)), timeoutMs);
      this.waiter = {
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.check();
    });
  }

  private write(data: string): void {
    this.socket.write(data);
  }

  /** Registers `user` (an existing account is fine), logs in, binds and sends presence. */
  static async login(props: { port: number; domain: string; user: string; password: string; onSentAt: (sentAt: number) => void }): Promise<XmppClient> {
    const socket = net.connect(props.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new XmppClient(socket, `${props.user}@${props.domain}`, props.onSentAt);
    client.write(streamOpen(props.domain));
    await client.expect(/<\/stream:features>/);
    client.write(`<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>${props.user}</username><password>${props.password}</password></query></iq>`);
    const reg = await client.expect(/<iq[^>]*id=['"]reg['"][^>]*?(\/>|>[\s\S]*?<\/iq>)/);
    if (reg[0].includes("type='error'") || reg[0].includes('type="error"')) {
      if (!reg[0].includes('conflict')) throw new Error(`xmpp register ${props.user}: ${reg[0]}`);
    }
    const plain = Buffer.from(`\u0000${props.user}\u0000${props.password}`).toString('base64');
    client.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
    const auth = await client.expect(/<(success|failure)[\s\S]*?(\/>|<\/(success|failure)>)/);
    if (auth[1] !== 'success') throw new Error(`xmpp auth ${props.user}: ${auth[0]}`);
    client.write(streamOpen(props.domain));
    await client.expect(/<\/stream:features>/);
    client.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>`);
    await client.expect(/<iq[^>]*id=['"]bind['"][\s\S]*?<\/iq>/);
    client.write('<presence/>');
    client.live = true;
    client.buffer = '';
    return client;
  }

  sendChat(to: string, sentAt: number): void {
    this.write(`<message to='${to}' type='chat'><body>t:${sentAt}</body></message>`);
  }

  close(): void {
    this.socket.end('</stream:stream>');
  }
}
